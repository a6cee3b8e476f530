"""Storage: the workspace folder, its database (SQLAlchemy + Alembic) and content-addressed files."""

from pipeline.store.filestore import FileStore
from pipeline.store.workspace import Workspace, init_workspace, open_workspace, workspace_exists

__all__ = ["FileStore", "Workspace", "init_workspace", "open_workspace", "workspace_exists"]

"""Archives: the 一生一档 student dossier and the 督导检查 inspection packet, and the outward
privacy rules both follow."""

from pipeline.archive.dossier import build_dossier
from pipeline.archive.manifest import VerifyResult, verify_packet, workspace_key
from pipeline.archive.packet import PacketResult, build_packet
from pipeline.archive.privacy import Privacy

__all__ = [
    "PacketResult",
    "Privacy",
    "VerifyResult",
    "build_dossier",
    "build_packet",
    "verify_packet",
    "workspace_key",
]

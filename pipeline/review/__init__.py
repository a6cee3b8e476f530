"""The review station: people confirm or correct the fields the readers were unsure of."""

from pipeline.review.corrections import UNREADABLE, accept_field, correct_field, display_text, mark_unreadable, review_field
from pipeline.review.queue import QueueGroup, QueueItem, group_items, review_queue

__all__ = [
    "UNREADABLE",
    "QueueGroup",
    "QueueItem",
    "accept_field",
    "correct_field",
    "display_text",
    "group_items",
    "mark_unreadable",
    "review_field",
    "review_queue",
]

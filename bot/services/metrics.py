"""What the bot counts for /metrics (Prometheus's text format), in a registry of its own so
that each app (and each test) has its own figures. Knows nothing of Telegram."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Seconds: from a few milliseconds (an answer with the machine idle) to minutes (a group's
# queue on election morning).
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "saylau_updates", "Updates taken in, by type", ["type"], registry=self.registry
        )
        self.update_seconds = Histogram(
            "saylau_update_seconds",
            "From an update's arrival in the bot to its transaction's commit",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.matches = Counter(
            "saylau_match_outcomes",
            "Voters' questions by what the matcher decided (bot.faq.matcher.Outcome: answer, "
            "suggest, none, out_of_scope, greeting, thanks, no_words) and their language",
            ["outcome", "lang"],
            registry=self.registry,
        )
        self.tickets_opened = Counter(
            "saylau_tickets_opened", "Tickets opened for operators", registry=self.registry
        )
        self.tickets_answered = Counter(
            "saylau_tickets_answered",
            "Tickets given their first operator's answer",
            registry=self.registry,
        )
        self.sends = Counter(
            "saylau_sends",
            "Bot API sends by result: sent, retry_after (429), retry (5xx, network), blocked, "
            "rejected (400), unreachable (an operators' group)",
            ["result"],
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "saylau_reply_seconds",
            "From a message to a private chat being queued to Telegram accepting it",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "saylau_outbox_backlog",
            "Messages queued and not yet sent",
            registry=self.registry,
        )
        self.outbox_oldest_seconds = Gauge(
            "saylau_outbox_oldest_pending_seconds",
            "Age of the oldest message queued and not yet sent (0 when none)",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

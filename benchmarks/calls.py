"""AWS calls of a run, from the emulator's call log (one entry per API call: service, operation, write)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CallSummary:
    reads: Counter = field(default_factory=Counter)
    writes: Counter = field(default_factory=Counter)
    # Per region the call was signed for (IAM's calls too: theirs is the client's), by operation.
    regions: dict[str, Counter] = field(default_factory=dict)

    @property
    def read_count(self) -> int:
        return sum(self.reads.values())

    @property
    def write_count(self) -> int:
        return sum(self.writes.values())

    @property
    def total(self) -> int:
        return self.read_count + self.write_count

    def count(self, operation: str) -> int:
        return self.reads[operation] + self.writes[operation]

    def by_operation(self) -> str:
        """'GetRole 1, DescribeInstanceInformation 2' style, reads then writes, each by count then name."""
        parts = []
        for kind, counter in (("r", self.reads), ("w", self.writes)):
            for operation, count in sorted(counter.items(), key=lambda item: (-item[1], item[0])):
                parts.append(f"{operation} {count}{'' if kind == 'r' else ' (w)'}")
        return ", ".join(parts) or "none"


def summarize(calls: list[dict]) -> CallSummary:
    """Count the calls by operation, reads and writes apart; throttled or failed calls count too (AWS bills them)."""
    summary = CallSummary()
    for call in calls:
        (summary.writes if call["write"] else summary.reads)[call["operation"]] += 1
        summary.regions.setdefault(call.get("region") or "-", Counter())[call["operation"]] += 1
    return summary

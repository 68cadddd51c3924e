"""The shapes of load beside the main ladder: small rooms, and one large room.

- **small rooms**: 4 rooms x 5 members, every member sending, no churn: the per-message
  database cost is shared by few deliveries, as in direct messages and small groups; a ladder
  like the main one (sustained deliveries per second at p99 <= the limit, nothing lost).
- **large room**: one room of 100 members, each sending 0.1 message per second (1,000
  deliveries per second): not a ladder but one fixed level, whose p50 and p99 are the figure
  (the room people watch most must not feel laggy).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scenario:
    rooms: int
    members: int
    rates: tuple
    refine: int

    def plan(self, base):
        return replace(base, rooms=self.rooms, members=self.members, churners=0)


SCENARIOS = {
    "small rooms": Scenario(rooms=4, members=5, rates=(2, 4, 8, 16, 32, 64, 128), refine=2),
    "large room": Scenario(rooms=1, members=100, rates=(0.1,), refine=0),
}

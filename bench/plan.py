"""Visit-plan benchmark: planning time for schools of 300 to 3,000 students (issue 15's
target: seconds for 3,000), each plan checked against every rule afterwards.

Schools are generated (pipeline.synth.school): classes of 45, 15 % special-group and 10 %
重点 students, two 科任 per three classes, a principal and two middle leaders, the sample
school's policy profile and its derived 2025-2026-1 calendar. Times are the median of
``--repeat`` runs in this process; memory is the process's peak.

    python bench/plan.py [--sizes 300 1500 3000] [--repeat 3] [--stages]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from pipeline.model.policy import load_policy
from pipeline.plan.calendar import default_calendar
from pipeline.plan.schedule import make_plan
from pipeline.plan.verify import plan_violations
from pipeline.synth.school import generated_school

TERM = "2025-2026-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1500, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="the three-stage model")
    args = parser.parse_args()
    policy = load_policy()
    calendar = default_calendar(policy, TERM)
    print(f"{'students':>9} {'teachers':>9} {'visits':>7} {'short':>6} {'plan s':>8} {'check s':>8}")
    for size in args.sizes:
        school = generated_school(size, seed=size)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            plan = make_plan(school.students, school.teachers, policy, calendar, stages=args.stages)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        broken = plan_violations(plan, school.students, school.teachers, policy, calendar)
        check = time.perf_counter() - started
        assert not broken, broken[:3]
        print(f"{size:>9} {len(school.teachers):>9} {len(plan.visits):>7} {len(plan.shortfalls):>6} {statistics.median(times):>8.2f} {check:>8.2f}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

"""Stages over (visit, code) groups, shared by the kinds that compare a line with other lines of
the same code: duplicate charges (within a visit) and quantity or frequency windows (across a
person's visits).

Most lines are the only line of their code for their person in the year: such a line repeats
nothing and its window total is its own quantity. One grouping of the lines by (person, code)
finds the others; only they are grouped by (visit, code) and compared further.
"""

from __future__ import annotations

from yibao.supervise.kinds.base import Stage

#: The (person, code) pairs with more than one line in the data.
SHARED_CODES = Stage("SELECT pno, cno FROM lines GROUP BY pno, cno HAVING count(*) > 1",
                     ("pno", "cno"))

#: The lines of those pairs: a line not listed is its person's only line of its code.
GROUPED = Stage(
    f"SELECT l.vno, l.cno, l.pno, l.feedetl_sn, l.cnt_e4, l.fee_date FROM lines l "
    f"SEMI JOIN {SHARED_CODES.name} g ON g.pno = l.pno AND g.cno = l.cno",
    ("vno", "feedetl_sn"), ("cno", "pno", "cnt_e4", "fee_date"), (SHARED_CODES,))

#: The lines of a (visit, code) with more than one line: every duplicate charge is among them.
REPEATED_LINES = Stage(
    f"SELECT g.* FROM {GROUPED.name} g SEMI JOIN (SELECT vno, cno FROM {GROUPED.name} "
    f"GROUP BY vno, cno HAVING count(*) > 1) r ON r.vno = g.vno AND r.cno = g.cno",
    ("vno", "feedetl_sn"), ("cno", "pno", "cnt_e4", "fee_date"), (GROUPED,))


def first_lines(keys: tuple[str, ...]) -> Stage:
    """Per duplicate key (`vno`, `cno` and `keys` among `cnt_e4`, `fee_date`) repeated in the
    visit, its first line `first_sn`; a stage shared by the rules with the same key."""
    cols = ", ".join(("vno", "cno", *keys))
    return Stage(f"SELECT {cols}, min(feedetl_sn) AS first_sn FROM {REPEATED_LINES.name} "
                 f"GROUP BY {cols} HAVING count(*) > 1", ("vno", "cno", *keys), ("first_sn",),
                 (REPEATED_LINES,))

"""Stages over (visit, code) groups, shared by the kinds that compare a line with other lines of
the same code: duplicate charges (within a visit) and quantity or frequency windows (across a
person's visits).

Most lines are the only line of their code for their person in the year: such a line repeats
nothing and its window total is its own quantity. One grouping of the lines by (person, code)
finds the others; only they are grouped by (visit, code) and compared further.
"""

from __future__ import annotations

from yibao.supervise.kinds.base import Stage

#: Per (visit, code) whose (person, code) has more than one line in the data: the person `pno`,
#: the lines `n` and their units `q` (10⁻⁴). A (visit, code) not listed is a single line.
GROUPED = Stage(
    "SELECT l.vno, l.cno, l.pno, count(*) AS n, sum(l.cnt_e4) AS q FROM lines l "
    "SEMI JOIN (SELECT pno, cno FROM lines GROUP BY pno, cno HAVING count(*) > 1) g "
    "ON g.pno = l.pno AND g.cno = l.cno GROUP BY l.vno, l.cno, l.pno",
    ("vno", "cno"), ("pno", "n", "q"))

#: The lines of a (visit, code) with more than one line: every duplicate charge is among them.
REPEATED_LINES = Stage(
    f"SELECT l.vno, l.cno, l.mdtrt_id, l.feedetl_sn, l.cnt_e4, l.fee_date FROM lines l "
    f"SEMI JOIN (SELECT vno, cno FROM {GROUPED.name} WHERE n > 1) r "
    f"ON r.vno = l.vno AND r.cno = l.cno", ("vno", "feedetl_sn"),
    ("cno", "mdtrt_id", "cnt_e4", "fee_date"), (GROUPED,))

"""Every round of blind exam families, in the order they were written: one list that
``synthetic.generate_any``, the validation's tuning and exam sets, and the exam tests read, so
a new round is added in one place."""

from __future__ import annotations

from healer_ops.devkit.nab import (
    exam_families,
    exam_families_r3,
    exam_families_r4,
    exam_families_r5,
    exam_families_r6,
    exam_families_r7,
    exam_families_r8,
    exam_families_r9,
    exam_families_r10,
    exam_families_r11,
    exam_families_r12,
    exam_families_r13,
    exam_families_r14,
    exam_families_r15,
    exam_families_r16,
    exam_families_r17,
    exam_families_r18,
    exam_families_r19,
    exam_families_r20,
    exam_families_r21,
    exam_families_r22,
    exam_families_r23,
    exam_families_r24,
    exam_families_r25,
    exam_families_r26,
    exam_families_r27,
)

EXAM_ROUNDS = ((exam_families, exam_families.EXAM_FAMILIES),
               (exam_families_r3, exam_families_r3.EXAM_FAMILIES_R3),
               (exam_families_r4, exam_families_r4.EXAM_FAMILIES_R4),
               (exam_families_r5, exam_families_r5.EXAM_FAMILIES_R5),
               (exam_families_r6, exam_families_r6.EXAM_FAMILIES_R6),
               (exam_families_r7, exam_families_r7.EXAM_FAMILIES_R7),
               (exam_families_r8, exam_families_r8.EXAM_FAMILIES_R8),
               (exam_families_r9, exam_families_r9.EXAM_FAMILIES_R9),
               (exam_families_r10, exam_families_r10.EXAM_FAMILIES_R10),
               (exam_families_r11, exam_families_r11.EXAM_FAMILIES_R11),
               (exam_families_r12, exam_families_r12.EXAM_FAMILIES_R12),
               (exam_families_r13, exam_families_r13.EXAM_FAMILIES_R13),
               (exam_families_r14, exam_families_r14.EXAM_FAMILIES_R14),
               (exam_families_r15, exam_families_r15.EXAM_FAMILIES_R15),
               (exam_families_r16, exam_families_r16.EXAM_FAMILIES_R16),
               (exam_families_r17, exam_families_r17.EXAM_FAMILIES_R17),
               (exam_families_r18, exam_families_r18.EXAM_FAMILIES_R18),
               (exam_families_r19, exam_families_r19.EXAM_FAMILIES_R19),
               (exam_families_r20, exam_families_r20.EXAM_FAMILIES_R20),
               (exam_families_r21, exam_families_r21.EXAM_FAMILIES_R21),
               (exam_families_r22, exam_families_r22.EXAM_FAMILIES_R22),
               (exam_families_r23, exam_families_r23.EXAM_FAMILIES_R23),
               (exam_families_r24, exam_families_r24.EXAM_FAMILIES_R24),
               (exam_families_r25, exam_families_r25.EXAM_FAMILIES_R25),
               (exam_families_r26, exam_families_r26.EXAM_FAMILIES_R26),
               (exam_families_r27, exam_families_r27.EXAM_FAMILIES_R27))
EXAM_SETS = tuple(names for _, names in EXAM_ROUNDS)


def written_before(exam_set: tuple[str, ...]) -> tuple[str, ...]:
    """The families of every round written before ``exam_set``, in order."""
    earlier = EXAM_SETS[:EXAM_SETS.index(exam_set)]
    return tuple(family for names in earlier for family in names)

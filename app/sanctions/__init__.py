"""Sanctions (惩戒措施) a case imposes on a unit, kept as data other parts read: today the
withdrawal of honours eligibility (取消荣誉评选资格) after an escalation."""

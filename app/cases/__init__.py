"""Cases: dishonesty records (政务失信记录) and, later, warnings — each driven by a BPMN process."""

"""Publication (issue 19): the register, masking and the public portal."""

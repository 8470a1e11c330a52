"""Publication of dishonesty records (issue 19): the register, masking, the public portal."""

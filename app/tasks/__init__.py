"""Human tasks: the inbox table materialised from the engine after every step, and routing."""

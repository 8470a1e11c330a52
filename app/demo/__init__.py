"""Demo and load data, on the top floor (it may use any domain): the reference data every
installation needs (`reference_data`), the demo accounts and cases of `make run` (`seed`,
`cases`), and the benchmark load generator (`loadgen`); their commands are in `cli`."""

"""Process designer (流程设计): versions, drafts, validation, deployment (`deployment`), instance
migration, the form editor and process tests (`process_tests/`); its commands in `cli`. Role
`designer` only."""

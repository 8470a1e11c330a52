"""Process designer (流程设计): versions, drafts, validation, deployment, instance migration,
the form editor and process tests. Role `designer` only."""

"""Infrastructure every domain uses: clock, errors, unit of work, SQLite set-up, column types,
pagination, fault injection, i18n helpers, health, input cleaning, hash chains, security headers and
the Flask extensions. Nothing here imports a domain package (docs/architecture.md)."""

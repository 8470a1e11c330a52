"""In-app notifications (unread count in the header) and the e-mail outbox."""

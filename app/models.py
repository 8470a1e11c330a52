"""Import every model so the metadata (and Alembic) knows all tables."""
from app.auth.models import ApiToken, LoginThrottle, WebSession  # noqa: F401
from app.calendar.models import CalendarDay, CalendarYear  # noqa: F401
from app.cases.models import Attachment, Case, CaseSequence, TimelineEvent  # noqa: F401
from app.engine.models import ProcessDefinition, ProcessInstance, ProcessVersion  # noqa: F401
from app.org.models import CivilServant, Department, User, UserRole  # noqa: F401
from app.tasks.models import HumanTask, SavedFilter  # noqa: F401
from app.cases.models import CaseLink  # noqa: F401,E402
from app.complaints.models import Complaint, ComplaintAlert  # noqa: F401,E402
from app.notifications.models import EmailOutbox, Notification  # noqa: F401,E402
from app.engine.models import ProcessDraft  # noqa: F401,E402
from app.forms.models import FormVersion  # noqa: F401,E402
from app.documents.models import Document, DocumentSequence  # noqa: F401,E402
from app.cases.models import CaseNote, Decision  # noqa: F401,E402
from app.audit.models import AuditEvent, ChainHead  # noqa: F401,E402
from app.incidents.models import Incident  # noqa: F401,E402
from app.rules.models import DecisionDefinition, DecisionVersion  # noqa: F401,E402
from app.publication.models import Publication  # noqa: F401,E402
from app.sharing.models import SharingEvent  # noqa: F401,E402
from app.sanctions.models import HonoursRestriction  # noqa: F401,E402

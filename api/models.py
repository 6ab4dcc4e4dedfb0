"""Every ORM model, imported in one place so that metadata and migrations see all tables."""

import api.cases.attachments.models
import api.cases.models
import api.catalogue.models
import api.conversations.models
import api.customers.models
import api.fees.models
import api.handoffs.models
import api.outbound.models
import api.outbox.models
import api.quotes.models
import api.scheduling.models
import api.surveys.models
import api.troubleshooting.models
import api.warranty.models
import api.webhooks.models
from api.db import Base

__all__ = ["Base"]

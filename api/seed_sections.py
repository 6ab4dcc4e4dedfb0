"""Imports every domain's seed module so that its sections are registered."""

import api.cases.seed
import api.catalogue.seed
import api.customers.seed
import api.fees.seed
import api.scheduling.seed
import api.surveys.seed
import api.troubleshooting.seed
import api.warranty.seed

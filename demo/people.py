"""Demo departments and people: a small company with a reporting line and every role."""

from django.contrib.auth.models import Group
from django.db import transaction

from demo import DEMO_PASSWORD
from governance.models import User
from governance.roles import Role
from people.models import Department, Employee
from people.services.paths import recompute_department_paths, recompute_reporting_paths

DEPARTMENTS = [
    # code, name, parent code
    ("HQ", "Demo Corp", None),
    ("ENG", "Engineering", "HQ"),
    ("ENG-PLAT", "Platform", "ENG"),
    ("ENG-APP", "Applications", "ENG"),
    ("SALES", "Sales", "HQ"),
    ("CS", "Customer Success", "HQ"),
    ("FIN", "Finance", "HQ"),
    ("LEGAL", "Legal & Compliance", "HQ"),
]

# external id, e-mail, name, department, manager, title, country, handles customer data
PEOPLE = [
    ("E001", "ceo@demo.example", "Morgan Reyes", "HQ", None, "Chief Executive Officer", "US", False),
    ("E002", "admin@demo.example", "Alex Admin", "LEGAL", "E001", "Governance Lead", "US", False),
    ("E003", "officer@demo.example", "Olivia Officer", "LEGAL", "E002", "Compliance Officer", "GB", True),
    ("E004", "manager@demo.example", "Max Manager", "ENG", "E001", "Engineering Manager", "DE", False),
    ("E005", "employee@demo.example", "Emma Employee", "ENG-APP", "E006", "Software Engineer", "DE", True),
    ("E006", "lead.apps@demo.example", "Liam Lead", "ENG-APP", "E004", "Team Lead, Applications", "DE", False),
    ("E007", "priya.platform@demo.example", "Priya Patel", "ENG-PLAT", "E004", "Platform Engineer", "IN", False),
    ("E008", "noah.platform@demo.example", "Noah Novak", "ENG-PLAT", "E004", "Site Reliability Engineer", "DE", True),
    ("E009", "sofia.apps@demo.example", "Sofia Silva", "ENG-APP", "E006", "Frontend Engineer", "PT", False),
    ("E010", "sam.sales@demo.example", "Sam Sato", "SALES", "E001", "Head of Sales", "US", True),
    ("E011", "ana.sales@demo.example", "Ana Alvarez", "SALES", "E010", "Account Executive", "ES", True),
    ("E012", "ben.sales@demo.example", "Ben Brooks", "SALES", "E010", "Account Executive", "US", True),
    ("E013", "chloe.cs@demo.example", "Chloé Martin", "CS", "E001", "Head of Customer Success", "FR", True),
    ("E014", "dev.cs@demo.example", "Dev Kumar", "CS", "E013", "Support Specialist", "IN", True),
    ("E015", "fatima.cs@demo.example", "Fatima Haddad", "CS", "E013", "Support Specialist", "FR", True),
    ("E016", "felix.fin@demo.example", "Felix Fischer", "FIN", "E001", "Finance Manager", "DE", True),
    ("E017", "grace.fin@demo.example", "Grace Green", "FIN", "E016", "Accountant", "GB", False),
    ("E018", "hugo.legal@demo.example", "Hugo Horvat", "LEGAL", "E002", "Counsel", "GB", True),
]

SIGN_INS = {
    "admin@demo.example": Role.GOVERNANCE_ADMIN,
    "officer@demo.example": Role.COMPLIANCE_OFFICER,
    "manager@demo.example": Role.EMPLOYEE,
    "employee@demo.example": Role.EMPLOYEE,
}


@transaction.atomic
def seed(*, today, stdout):
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.GROUPS}

    departments = {}
    for code, name, parent in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "parent": departments.get(parent)}
        )
    recompute_department_paths()

    employees = {}
    for external_id, email, name, department, _manager, title, country, handles in PEOPLE:
        employees[external_id], _ = Employee.objects.update_or_create(
            external_id=external_id,
            defaults={
                "email": email,
                "full_name": name,
                "department": departments[department],
                "job_title": title,
                "country": country,
                "handles_customer_data": handles,
                "hired_on": today.replace(year=today.year - 2),
            },
        )
    # Managers in a second pass: a person may be listed before their manager.
    for external_id, *_, manager, _title, _country, _handles in PEOPLE:
        Employee.objects.filter(pk=employees[external_id].pk).update(manager=employees.get(manager))
    recompute_reporting_paths()

    for email, role in SIGN_INS.items():
        person = Employee.objects.get(email=email)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=person.full_name)
        user.is_staff = role == Role.GOVERNANCE_ADMIN
        user.save(update_fields=["is_staff"])
        user.groups.add(groups[Role.EMPLOYEE], groups[role])
        Employee.objects.filter(pk=person.pk).update(user=user)
    stdout.write(f"  people: {len(departments)} departments, {len(employees)} employees")

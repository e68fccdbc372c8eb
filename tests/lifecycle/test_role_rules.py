"""Role rules: globs on department, title and employment; unknown roles refused at load."""

from __future__ import annotations

import pytest

from builder.lifecycle.role_rules import RoleRuleError, grant_roles, parse_role_rules

ROLES = ["all-staff", "engineer", "manager"]


def test_rules_grant_roles_by_glob_case_insensitively_with_their_source() -> None:
    rules = parse_role_rules(
        [
            {"employment": "*", "roles": ["all-staff"]},
            {"department": "engineering", "roles": "Engineer"},
            {"title": "*Manager*", "department": "Eng*", "roles": ["manager"]},
        ],
        ROLES,
    )
    person = {"department": "Engineering", "title": "Engineering Manager", "employment": "employee"}
    assert grant_roles(person, ["engineer"], rules) == {
        "engineer": ("roster file", "rule 2 (department 'engineering')"),
        "all-staff": ("rule 1 (employment '*')",),
        "manager": ("rule 3 (department 'eng*', title '*manager*')",),
    }
    sales = {"department": "Sales", "title": "Sales Manager", "employment": "contractor"}
    assert list(grant_roles(sales, [], rules)) == ["all-staff"]


def test_every_problem_of_the_setting_is_listed() -> None:
    with pytest.raises(RoleRuleError) as info:
        parse_role_rules(
            [
                {"department": "Sales", "roles": ["enginer", "nobody"]},
                {"roles": ["manager"]},
                {"team": "x", "roles": ["manager"]},
                {"title": "CTO", "roles": []},
                "all-staff",
            ],
            ROLES,
        )
    assert str(info.value) == (
        "mkdocs.yml: trustpath option 'role_rules':\n"
        "  rule 1: unknown role 'enginer'; did you mean 'engineer'?\n"
        "  rule 1: unknown role 'nobody'\n"
        "  rule 2: needs at least one of department, title, employment\n"
        "  rule 3: unknown key(s) team; known: department, title, employment, roles\n"
        "  rule 4: roles must be a non-empty list of role ids\n"
        "  rule 5: must be a mapping such as {department: Sales, roles: [sales]}"
    )

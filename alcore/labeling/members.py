"""Who may do what in a labeling project: its members, their roles, and the project's archive flag.

A signed-in server records an owner for every project it creates; the owner adds labelers and viewers.
- owner: everything, including what touches other people's work or the whole project: undo anyone's
  batch, change settings and classes, export, rename, archive, delete, and choose the members;
- labeler: label, correct labels, take back their own batches;
- viewer: see the project, its progress and its labels; change nothing.
A project with no members (made before sign-in was turned on) is seen by nobody on a signed-in server
until its operator gives it an owner (`alcore members PROJECT EMAIL owner`). Without sign-in there are no roles: the one user of a local
server may do everything.

`MembersMixin` adds the membership tables' operations to `ProjectStore` (schema step 3, additive).
"""

from __future__ import annotations

from datetime import datetime

from alcore.labeling.records import StoreError, check_length, now_iso, parse_time

ROLES = ("owner", "labeler", "viewer")
ACTIONS = {
    "see": set(ROLES),
    "label": {"owner", "labeler"},
    "manage": {"owner"},
}
MAX_PERSON_CHARS = 320  # the longest e-mail address


class NotAllowed(StoreError):
    """The person's role in the project does not allow this; the message says who can."""


def allows(role: str | None, action: str) -> bool:
    """Whether `role` (None: not a member) may do `action`: "see", "label" or "manage"."""
    return role in ACTIONS[action]


def require(role: str | None, action: str, what: str) -> None:
    """Raise NotAllowed unless `role` may do `action`; `what` names the attempt ("export the labels")."""
    if not allows(role, action):
        who = "the project's owner" if action == "manage" else "the project's owner or a labeler"
        raise NotAllowed(f"Only {who} can {what}. Ask the owner for that role.")


def clean_person(person: str) -> str:
    """A person's sign-in identity (an e-mail address or an OIDC subject), trimmed and length-checked."""
    if not isinstance(person, str) or not person.strip():
        raise ValueError("Name the person by their sign-in e-mail address.")
    return check_length(person.strip(), MAX_PERSON_CHARS, "The person's address")


class MembersMixin:
    """Project members and archiving, for `ProjectStore` (uses its `_transaction` and `_require_project`)."""

    def set_member(self, project_id, person: str, role: str) -> None:
        """Give `person` `role` in the project (replacing any role they had)."""
        if role not in ROLES:
            raise ValueError(f"{role!r} is not a role; choose one of {', '.join(ROLES)}.")
        person = clean_person(person)
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            connection.execute(
                "INSERT INTO members (project_id, person, role, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (project_id, person) DO UPDATE SET role = excluded.role",
                (key, person, role, now_iso()),
            )

    def remove_member(self, project_id, person: str) -> None:
        """Take `person` off the project; the last owner stays (a project always has someone to manage it)."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            owners = {
                p
                for (p,) in connection.execute(
                    "SELECT person FROM members WHERE project_id = ? AND role = 'owner'", (key,)
                )
            }
            if owners == {person}:
                raise ValueError("This is the project's only owner: make someone else owner first.")
            connection.execute("DELETE FROM members WHERE project_id = ? AND person = ?", (key, person))

    def members(self, project_id) -> dict[str, str]:
        """{person: role}, owners first, then by name."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(
                "SELECT person, role FROM members WHERE project_id = ?"
                " ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'labeler' THEN 1 ELSE 2 END, person",
                (key,),
            ).fetchall()
        return dict(found)

    def role_of(self, project_id, person: str | None) -> str | None:
        """`person`'s role in the project, or None when they are not a member."""
        if not person:
            return None
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            found = connection.execute(
                "SELECT role FROM members WHERE project_id = ? AND person = ?", (key, person)
            ).fetchone()
        return None if found is None else found[0]

    def roles_of(self, person: str) -> dict[int, str]:
        """{project id: role} of every project `person` is a member of."""
        with self._transaction(write=False) as connection:
            return dict(connection.execute("SELECT project_id, role FROM members WHERE person = ?", (person,)))

    def archive(self, project_id, archived: bool = True) -> None:
        """Archive the project (kept whole, listed apart, read-only) or, with archived=False, restore it."""
        with self._transaction(write=True) as connection:
            key, _, _ = self._require_project(connection, project_id)
            connection.execute(
                "UPDATE projects SET archived_at = ? WHERE id = ?", (now_iso() if archived else None, key)
            )

    def archived_at(self, project_id) -> datetime | None:
        """When the project was archived, or None while it is active."""
        with self._transaction(write=False) as connection:
            key, _, _ = self._require_project(connection, project_id)
            (found,) = connection.execute("SELECT archived_at FROM projects WHERE id = ?", (key,)).fetchone()
        return None if found is None else parse_time(found)

"""Who may use this server: the sign-in gate every page passes, and the warning an open server shows.

Three ways a server can run, chosen by its operator (never by a visitor):
- on this machine only (`server.address = "localhost"` in `.streamlit/config.toml`, the default): no sign-in;
- with sign-in (`[auth]` in `.streamlit/secrets.toml`): every page needs it, and projects have members with roles;
- on a network without sign-in: only when the operator says so explicitly, and then every page says
  that anyone who can reach it can see and change every project.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from alcore.labeling.store import ProjectStore
from ui.format import as_text
from ui.server_config import (
    OPEN_NETWORK_VARIABLE,
    PROVIDER_VERIFIES_EMAIL_VARIABLE,
    most_projects_per_person,
    most_running_per_person,
    open_without_sign_in,
    provider_verifies_email,
    serves_beyond_this_machine,
    sign_in_provider,
)

XSRF_COOKIE = "_streamlit_xsrf"

OPEN_WARNING = (
    "This server has no sign-in and is reachable from the network: **anyone who can reach it can see and "
    "change every project**. Its operator can turn on sign-in in `.streamlit/secrets.toml` (see the README)."
)


def signed_in_person() -> str | None:
    """The signed-in person's e-mail (else their OIDC subject); None when sign-in is off, and for an e-mail
    their provider has not said it verified (anyone could have typed it: roles are given by e-mail)."""
    if sign_in_provider() is None or not _logged_in() or _email_refusal():
        return None
    return str(st.user.get("email") or st.user.get("sub"))


def _claim_is_true(name: str) -> bool | None:
    """A yes/no claim of the provider: True, False (a bool, or "true"/"false" as some providers write it), or None
    when it sent none."""
    value = st.user.get(name)
    return None if value is None else str(value).strip().lower() in ("true", "1")


def _email_refusal() -> str:
    """Why the sign-in's e-mail cannot be this person's identity, in words for them and the operator; "" when it can.

    An e-mail counts when the provider says it verified it (email_verified true, or Microsoft Entra's xms_edov
    true: the address's domain is verified by the person's own organisation), or when it sends no such claim and
    the operator says it checks every address (`provider_verifies_email`). Trusting a silent provider by default
    let anyone sign in as a project's owner through a provider that lets people set an address it never checked
    (the "nOAuth" pattern of multi-tenant Microsoft Entra apps)."""
    email, verified = st.user.get("email"), _claim_is_true("email_verified")
    if not email or verified:
        return ""
    shown = as_text(email)
    if verified is False:
        return (
            f"Your sign-in provider says it has not verified {shown}, so alcore cannot know that it is yours, and "
            "projects are shared by e-mail address. Verify the address with your provider, then sign in again."
        )
    if _claim_is_true("xms_edov") or provider_verifies_email():
        return ""
    return (
        f"Your sign-in provider did not say that it has verified {shown} (it sent no `email_verified` claim), so "
        "alcore cannot know that it is yours, and projects are shared by e-mail address. If this server's operator "
        "knows that the provider sends only addresses it has checked, they can say so with "
        "`[auth] provider_verifies_email = true` in `.streamlit/secrets.toml` (or "
        f"`{PROVIDER_VERIFIES_EMAIL_VARIABLE}=1`)."
    )


def _logged_in() -> bool:
    # st.user carries is_logged_in only where the server has an auth context (not in AppTest): absent means no.
    return bool(st.user.get("is_logged_in", False))


def project_role(store: ProjectStore, project_id) -> str | None:
    """This visitor's role in the project: "owner" without sign-in (a local server's one user may do
    everything), else their role as a member, None when they are not one (they must not even see it)."""
    if sign_in_provider() is None:
        return "owner"
    return store.role_of(project_id, signed_in_person())


def new_project_owner() -> tuple[str | None, int | None]:
    """(owner, most_owned) for a project this visitor creates (`LabelingSession.create`): with sign-in, the
    signed-in person and the per-person limit; on a network without sign-in, nobody and the same limit on
    the projects nobody owns (a stranger must not fill the server's disk); on this machine only, no limit
    (its one user's disk is their own)."""
    if sign_in_provider() is not None:
        return signed_in_person(), most_projects_per_person()
    if serves_beyond_this_machine():
        return None, most_projects_per_person()
    return None, None


def comparison_runner() -> tuple[str | None, int | None]:
    """(person, most_running) for a comparison this visitor runs (`compare`): on a server others reach (with
    sign-in, or open to a network without it), who they are and the per-person limit; on this machine only,
    nobody and no limit (its one user's cores are their own). Without sign-in a person is their browser: its
    tabs share the XSRF cookie Streamlit sets (the same token in every tab, masked afresh on each page load), and
    without that cookie the limit holds for this tab alone."""
    if sign_in_provider() is not None:
        return f"person:{signed_in_person()}", most_running_per_person()
    if serves_beyond_this_machine():
        return _browser(), most_running_per_person()
    return None, None


def _browser() -> str:
    """This visitor's browser, by the token of its Streamlit XSRF cookie ("2|mask|masked token|time", the token
    being the masked one XOR the mask), hashed; else this session."""
    try:
        version, mask, masked, _ = str(st.context.cookies.get(XSRF_COOKIE, "")).split("|")
        token = bytes(byte ^ bytes.fromhex(mask)[i % 4] for i, byte in enumerate(bytes.fromhex(masked)))
    except (ValueError, IndexError):  # no cookie (XSRF protection off, AppTest), or not a token of this shape
        return f"session:{get_script_run_ctx().session_id}"
    return f"browser:{hashlib.sha256(version.encode() + token).hexdigest()}"


def visible_project_ids(store: ProjectStore) -> set[int] | None:
    """The projects this visitor may see; None means all of them (no sign-in)."""
    if sign_in_provider() is None:
        return None
    person = signed_in_person()
    return set(store.roles_of(person)) if person else set()


def access_gate_ui() -> None:
    """Let this visitor in, or stop the page with what to do. Called by app.py before any page runs."""
    provider = sign_in_provider()
    if provider is not None:
        _sign_in_ui(provider)
    elif serves_beyond_this_machine():
        if not open_without_sign_in():
            st.title("alcore is not open to the network without sign-in")
            st.error(
                "This server listens beyond this machine, but sign-in is not configured, so anyone who can reach "
                "it could see and change every project. Its operator can turn on sign-in (an `[auth]` section "
                'in `.streamlit/secrets.toml`), serve on this machine only (`server.address = "localhost"`), '
                f"or accept the risk with `[access] open_without_sign_in = true` or {OPEN_NETWORK_VARIABLE}=1."
            )
            st.stop()
        st.warning(OPEN_WARNING, icon=":material/public:")


def _sign_in_ui(provider: str) -> None:
    if not _logged_in():
        st.title("Sign in to alcore")
        st.markdown("This server keeps labeling projects for the people it knows. Sign in to see yours.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login, args=(provider or None,))
        st.stop()
    if refusal := _email_refusal():
        st.title("Your e-mail address is not verified")
        st.error(refusal)
        st.button("Sign out", icon=":material/logout:", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {as_text(signed_in_person())}")
        st.button("Sign out", icon=":material/logout:", on_click=st.logout)

"""Who may do what in a room: each decision is made here, once.

Services call the predicates and the ``require_*`` checks. The send statement, which checks
posting rights inside the UPDATE that takes the seq, uses the SQL form of the same rule, kept
beside it, and every read filters rooms with the ORM form of who may read (unit tests prove
each pair agrees on every combination). Clients are told the answer in each room's payload
(``post_roles``) and keep no copy of the rule.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from . import exceptions
from .models import Membership, Message, Room, RoomBan

# What each kind of room allows beyond posting. Direct rooms are a fixed pair with no
# settings: every "direct rooms can't ..." answer comes from this table.
BLOCKED_DETAIL = "This user has blocked you: you cannot send them direct messages."
DIRECT_REFUSALS = {
    "update": "Direct rooms have no settings.",
    "delete": "Direct rooms cannot be deleted; mute them instead.",
    "leave": "Direct rooms cannot be left; mute them instead.",
    "change_members": "Direct rooms have exactly two members.",
}


def may_read(*, kind, is_public, is_member, is_banned):
    """Members read their rooms, anyone signed in a public channel; nobody a room they are
    banned from, whatever else holds (a ban outlasts the membership it ended)."""
    if is_banned:
        return False
    return is_member or (kind == Room.Kind.CHANNEL and is_public)


def may_read_q(user, room=""):
    """Return the ORM condition of may_read() for ``user``, on a query of rooms.

    ``room`` is the path from the query's model to the room ("" for Room itself, "room__"
    for rows that belong to a room), so every read filters with this one condition.
    """
    # Subqueries, not joins: a public channel's thousands of memberships never multiply rows.
    member = Exists(Membership.objects.filter(room=OuterRef(f"{room}pk"), user=user))
    banned = Exists(RoomBan.objects.filter(room=OuterRef(f"{room}pk"), user=user))
    public = Q(**{f"{room}kind": Room.Kind.CHANNEL, f"{room}is_public": True})
    return (member | public) & ~banned


def may_post(*, role, kind, posting_locked):
    """Admins post everywhere; members post except in channels and posting-locked groups."""
    return role == Membership.Role.ADMIN or (kind != Room.Kind.CHANNEL and not posting_locked)


def may_post_sql(room, member):
    """Return the SQL condition of may_post() for a room table and a membership alias.

    ``room`` and ``member`` are the quoted names used in the query; the condition takes its
    values as named parameters (``post_params()``).
    """
    return (
        f"({member}.role = %(admin_role)s "
        f"OR ({room}.kind <> %(channel_kind)s AND NOT {room}.posting_locked))"
    )


def post_params():
    return {"admin_role": Membership.Role.ADMIN, "channel_kind": Room.Kind.CHANNEL}


def post_roles(room):
    """Return the roles that may post in ``room``: clients compare them with their own role."""
    return [
        role
        for role in Membership.Role.values
        if may_post(role=role, kind=room.kind, posting_locked=room.posting_locked)
    ]


def why_not_post(membership):
    """Return the reason ``membership`` may not post in its room, or None if it may."""
    room = membership.room
    if membership.blocked_by_peer:
        return BLOCKED_DETAIL
    if may_post(role=membership.role, kind=room.kind, posting_locked=room.posting_locked):
        return None
    if room.kind == Room.Kind.CHANNEL:
        return "Only admins post in a broadcast channel."
    return "Posting in this group is limited to admins."


def why_not_edit(message, membership):
    """Return the reason ``membership`` may not edit ``message``, or None if it may.

    An edit is a new say in the room: who may edit is the sender, if they may post now. A
    group locked for posting, a demoted channel admin and a blocked peer of a direct room
    cannot change what the room reads either.
    """
    if message.sender_id != membership.user_id:
        return "Only the sender can edit a message."
    return why_not_post(membership)


def why_not_react(membership, *, blocked_by_sender):
    """Return the reason ``membership`` may not react to a message, or None if it may.

    A reaction is text shown on someone's message: nobody reacts to the messages of a user
    who blocks them, nor at all in a direct room whose other member blocked them. The
    answer does not say which (the harasser learns only that this message takes none).
    """
    if blocked_by_sender or membership.blocked_by_peer:
        return "You cannot react to this message."
    return None


def is_admin(membership):
    return membership.role == Membership.Role.ADMIN


def require_admin(membership):
    if not is_admin(membership):
        raise exceptions.ForbiddenError("Only room admins can do this.")


def require_owner(room, user, detail):
    """Only the room's owner (its creator, or who took over) manages admins."""
    if room.created_by_id != user.pk:
        raise exceptions.ForbiddenError(detail)


def require_not_direct(room, action):
    if room.kind == Room.Kind.DIRECT:
        raise exceptions.ForbiddenError(DIRECT_REFUSALS[action])


def require_may_ban(membership, target):
    """Admins ban members; only the owner bans admins; nobody bans the owner or themselves."""
    require_admin(membership)
    room = membership.room
    require_not_direct(room, "change_members")
    if target.pk == membership.user_id:
        raise exceptions.InvalidPayloadError("You cannot ban yourself.")
    if target.pk == room.created_by_id:
        raise exceptions.ForbiddenError("The room's owner cannot be banned.")
    target_role = room.memberships.filter(user=target).values_list("role", flat=True).first()
    if target_role == Membership.Role.ADMIN:
        require_owner(room, membership.user, "Only the room's owner can ban admins.")


def may_delete_message(message, membership):
    """The sender deletes their own messages; room admins delete anyone's."""
    return message.sender_id == membership.user_id or is_admin(membership)


def addable_without_consent(inviter, users):
    """Return the ids of ``users`` the inviter may put into a room without asking them.

    A site admin may add anyone; anyone else only people they already share a conversation
    with: a group both are in, or a direct room where the other person has written (not a
    channel: sharing a big public channel with someone is not knowing them). Everyone else
    gets an invitation to accept (chat.services.invitations), so that one user cannot fill a
    room with strangers and then notify or email them all. CHAT["ADD_WITHOUT_CONSENT"] =
    "anyone" drops the rule for a site whose users all trust each other.
    """
    ids = {user.pk for user in users}
    if inviter.is_staff or settings.CHAT["ADD_WITHOUT_CONSENT"] == "anyone":
        return ids
    groups = Membership.objects.filter(
        user_id__in=ids, room__kind=Room.Kind.GROUP, room__memberships__user=inviter
    ).values_list("user_id", flat=True)
    talked = Message.objects.filter(
        sender_id__in=ids, room__kind=Room.Kind.DIRECT, room__memberships__user=inviter
    ).values_list("sender_id", flat=True)
    return set(groups) | set(talked)

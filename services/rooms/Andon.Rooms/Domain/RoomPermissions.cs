namespace Andon.Rooms.Domain;

/// <summary>Everything a caller can do to a room; each endpoint declares one.</summary>
public enum RoomAction
{
    /// <summary>See the room itself (any signed-in user, like the room list).</summary>
    View,

    /// <summary>Join as a viewer (any signed-in user who is not a member).</summary>
    Join,

    /// <summary>Read the member list (members).</summary>
    ReadMembers,

    /// <summary>Edit the room's fields (owner, editor).</summary>
    Edit,

    /// <summary>Move the room along its lifecycle (owner).</summary>
    ChangeStatus,

    /// <summary>Add members and change their roles (owner).</summary>
    ManageMembers,

    /// <summary>Remove a member (owner), or leave (the member themself).</summary>
    RemoveMember,

    /// <summary>Hand the room to another member (owner).</summary>
    TransferOwnership,

    /// <summary>Delete the room and everything in it (admins only).</summary>
    DeletePermanently,
}

/// <summary>The role table of the contract, in one place. Admins pass every check (and are audited).</summary>
public static class RoomPermissions
{
    public static bool Allows(RoomAction action, RoomRole? role, bool actingOnSelf) => action switch
    {
        RoomAction.View or RoomAction.Join => true,
        RoomAction.ReadMembers => role is not null,
        RoomAction.Edit => role >= RoomRole.Editor,
        RoomAction.ChangeStatus or RoomAction.ManageMembers or RoomAction.TransferOwnership => role == RoomRole.Owner,
        RoomAction.RemoveMember => role == RoomRole.Owner || (role is not null && actingOnSelf),
        RoomAction.DeletePermanently => false,
        _ => false,
    };
}

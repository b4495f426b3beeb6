namespace Andon.Rooms;

/// <summary>Options of the rooms service (<c>Rooms:*</c>).</summary>
public sealed class RoomsOptions
{
    /// <summary>
    /// Default members of the shipped templates, by template name (<c>equipment_failure</c>,
    /// <c>material_shortage</c>, <c>quality_issue</c>): who is brought into every new room of that kind.
    /// Applied when the template is first created; admins change them later through the API.
    /// </summary>
    public Dictionary<string, List<DefaultMember>> TemplateMembers { get; } = new(StringComparer.Ordinal);
}

public sealed class DefaultMember
{
    public string UserId { get; set; } = "";

    public string Role { get; set; } = "editor";
}

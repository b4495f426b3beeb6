namespace Andon.Rooms.Domain;

public enum IncidentType
{
    EquipmentFailure,
    MaterialShortage,
    QualityIssue,
    Other,
}

public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

public enum RoomStatus
{
    Active,
    Resolved,
    Archived,
}

/// <summary>Ordered: each role may do everything the one before it may.</summary>
public enum RoomRole
{
    Viewer,
    Editor,
    Owner,
}

/// <summary>The wire names of the enums (<c>equipment_failure</c>, <c>high</c>, <c>owner</c>…).</summary>
public static class WireNames
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var name = value.ToString();
        var chars = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                chars.Append('_');
            }

            chars.Append(char.ToLowerInvariant(name[i]));
        }

        return chars.ToString();
    }

    public static bool TryParse<TEnum>(string? wire, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Of(candidate), wire, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    public static string Allowed<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(Of));
}

using System.Text.RegularExpressions;

namespace Andon.Rooms.Features.Rooms;

/// <summary>Field rules shared by create and patch, with errors per field.</summary>
internal static partial class RoomFields
{
    public const int MaxLots = 50;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,49}$")]
    private static partial Regex LotCode();

    public static void Title(string? title, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Trim().Length > 200)
        {
            errors["title"] = ["title must be 1 to 200 characters."];
        }
    }

    /// <summary>The free-text fields and lots that create and patch share.</summary>
    public static void Details(string? description, string? location, string? line, string? station, string? equipmentId, IReadOnlyList<string>? lots, Dictionary<string, string[]> errors)
    {
        Text("description", description, 5000, errors);
        Text("location", location, 200, errors);
        Text("line", line, 100, errors);
        Text("station", station, 100, errors);
        Text("equipment_id", equipmentId, 100, errors);
        Lots(lots, errors);
    }

    public static void Text(string field, string? value, int max, Dictionary<string, string[]> errors)
    {
        if (value?.Length > max)
        {
            errors[field] = [$"{field} must be at most {max} characters."];
        }
    }

    public static void Lots(IReadOnlyList<string>? lots, Dictionary<string, string[]> errors)
    {
        if (lots is null)
        {
            return;
        }

        if (lots.Count > MaxLots)
        {
            errors["lots"] = [$"At most {MaxLots} lots."];
        }
        else if (lots.Any(l => l is null || !LotCode().IsMatch(l)))
        {
            errors["lots"] = ["Each lot is a short code of letters, digits and . _ / - (at most 50 characters)."];
        }
    }

    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

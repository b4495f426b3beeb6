using System.Text;
using System.Text.Json;
using Andon.Messaging.Domain;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// A message as a client sends it (the <c>message</c> frame, or the body of the REST send), checked
/// field by field against the contract's limits.
/// </summary>
internal sealed record MessageInput(string ClientId, MessageType Type, string Content, List<string> Mentions, Guid? FileId, string? Metadata = null)
{
    public const int MaxTextBytes = 10_240;
    public const int MaxIncidentDataBytes = 102_400;

    public static (MessageInput? Input, string? Code, string? Error) Parse(JsonElement frame, string? fallbackClientId)
    {
        var clientId = fallbackClientId;
        if (frame.TryGetProperty("client_id", out var id))
        {
            if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= 100 } value)
            {
                return Invalid("client_id must be a string of 1 to 100 characters.");
            }

            clientId = value;
        }

        if (clientId is null)
        {
            return Invalid("client_id is required.");
        }

        if (!frame.TryGetProperty("message_type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String
            || !Frames.TryParse(typeElement.GetString(), out var type) || type == MessageType.System)
        {
            return Invalid("message_type must be text, image_ref, file_ref or incident_data.");
        }

        if (!frame.TryGetProperty("content", out var content))
        {
            return Invalid("content is required.");
        }

        string stored;
        if (type == MessageType.IncidentData)
        {
            if (content.ValueKind != JsonValueKind.Object)
            {
                return Invalid("content of incident_data must be a JSON object of readings.");
            }

            stored = content.GetRawText();
            if (Encoding.UTF8.GetByteCount(stored) > MaxIncidentDataBytes)
            {
                return (null, "too_large", "incident_data is larger than 100 KB.");
            }
        }
        else
        {
            if (content.ValueKind != JsonValueKind.String)
            {
                return Invalid("content must be a string.");
            }

            stored = content.GetString()!;
            if (Encoding.UTF8.GetByteCount(stored) > MaxTextBytes)
            {
                return (null, "too_large", "content is larger than 10 KB.");
            }

            if (type == MessageType.Text && string.IsNullOrWhiteSpace(stored))
            {
                return Invalid("content must not be empty.");
            }
        }

        var mentions = new List<string>();
        if (frame.TryGetProperty("mentions", out var mentionList) && mentionList.ValueKind != JsonValueKind.Null)
        {
            if (mentionList.ValueKind != JsonValueKind.Array || mentionList.GetArrayLength() > 50
                || mentionList.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String || m.GetString()!.Length is 0 or > 320))
            {
                return Invalid("mentions must be a list of at most 50 user ids.");
            }

            mentions = mentionList.EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Distinct().ToList();
        }

        Guid? fileId = null;
        if (frame.TryGetProperty("file_id", out var file) && file.ValueKind != JsonValueKind.Null)
        {
            if (file.ValueKind != JsonValueKind.String || !Guid.TryParse(file.GetString(), out var parsed))
            {
                return Invalid("file_id must be a uuid.");
            }

            fileId = parsed;
        }

        if (type is MessageType.ImageRef or MessageType.FileRef && fileId is null)
        {
            return Invalid("image_ref and file_ref messages need a file_id.");
        }

        return (new MessageInput(clientId, type, stored, mentions, fileId), null, null);
    }

    /// <summary>
    /// Whether every string and property name in <paramref name="element"/> is valid Unicode: JSON
    /// may escape a lone surrogate (<c>"\uD800"</c>), which parses but cannot be read as a string.
    /// </summary>
    public static bool IsValidUnicode(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(IsValidUnicode);
                case JsonValueKind.Object:
                    return element.EnumerateObject().All(p => p.Name is not null && IsValidUnicode(p.Value));
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static (MessageInput?, string?, string?) Invalid(string error) => (null, "invalid_frame", error);
}

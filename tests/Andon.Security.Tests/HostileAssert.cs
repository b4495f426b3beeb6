using System.Net;
using System.Text.Json;

namespace Andon.Security.Tests;

internal static class HostileAssert
{
    private static readonly Dictionary<int, string[]> Codes = new()
    {
        [400] = ["validation_failed"],
        [401] = ["unauthenticated", "invalid_credentials"],
        [403] = ["forbidden"],
        [404] = ["not_found"],
        [409] = ["conflict", "room_closed"],
        [413] = ["file_too_large", "too_large"],
        [415] = ["unsupported_media_type"],
        [429] = ["rate_limited"],
    };

    /// <summary>A problem-details body (CONTRACT.md): status matching the answer and a <c>code</c>, <c>errors</c> per field for validation.</summary>
    public static void ProblemDetails(HttpResponseMessage response, JsonElement body, string? code = null)
    {
        var status = (int)response.StatusCode;
        Assert.True(body.ValueKind == JsonValueKind.Object, $"{status} without a problem-details object: {body.GetRawText()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.TryGetProperty("status", out var s) && s.GetInt32() == status, $"problem status does not match {status}: {body.GetRawText()}");
        Assert.True(body.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String, $"{status} problem without a code: {body.GetRawText()}");
        if (code is not null)
        {
            Assert.Equal(code, c.GetString());
        }
        else if (Codes.TryGetValue(status, out var allowed))
        {
            Assert.Contains(c.GetString(), allowed);
        }

        if (c.GetString() == "validation_failed")
        {
            Assert.True(body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object, $"validation problem without errors: {body.GetRawText()}");
        }
    }

    public static bool IsProblem(HttpStatusCode status) => (int)status is >= 400 and < 500;
}

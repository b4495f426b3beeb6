using Microsoft.AspNetCore.Http;

namespace Andon.BuildingBlocks.Errors;

/// <summary>
/// The error codes of the contract, and the one way endpoints answer them: RFC 9457 ProblemDetails
/// with a machine-readable <c>code</c>.
/// </summary>
public static class ApiProblem
{
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string ValidationFailed = "validation_failed";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string InvalidCredentials = "invalid_credentials";

    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ValidationFailed,
        StatusCodes.Status401Unauthorized => Unauthenticated,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status409Conflict => Conflict,
        StatusCodes.Status413PayloadTooLarge => "file_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        _ => "error",
    };

    public static IResult Create(int status, string code, string detail) =>
        TypedResults.Problem(statusCode: status, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "One or more fields are invalid.", extensions: new Dictionary<string, object?> { ["code"] = ValidationFailed });

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Unavailability(string detail) => Create(StatusCodes.Status503ServiceUnavailable, Unavailable, detail);
}

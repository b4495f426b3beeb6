using System.Data.Common;
using Andon.BuildingBlocks.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Andon.BuildingBlocks.Hosting;

/// <summary>
/// Turns exceptions into ProblemDetails with a <c>code</c>: unreadable requests are 400, an unreachable
/// dependency is 503, anything else is a 500 that says nothing about the internals.
/// </summary>
internal sealed class ExceptionToProblem(IProblemDetailsService problems, ILogger<ExceptionToProblem> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, ApiProblem.CodeFor(bad.StatusCode), "The request could not be read: " + bad.Message),
            ServiceUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, ApiProblem.Unavailable, unavailable.Message),
            // EF Core wraps a failed save (DbUpdateException) and a transient failure such as a connection
            // pool that stayed exhausted (InvalidOperationException) around the driver's DbException.
            DbException or { InnerException: DbException } => (StatusCodes.Status503ServiceUnavailable, ApiProblem.Unavailable, "The database cannot be reached. Try again shortly."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "cancelled", "The client went away."),
            _ => (StatusCodes.Status500InternalServerError, "internal_error", "An unexpected error occurred."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);
        }

        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail, Extensions = { ["code"] = code } };
        if (code == ApiProblem.ValidationFailed)
        {
            // The contract's validation answer names what was wrong; a request that cannot be bound
            // (a parameter of the wrong type, a body that is not JSON) has no better field than itself.
            problem.Extensions["errors"] = new Dictionary<string, string[]> { ["request"] = [exception.Message] };
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        });
    }
}

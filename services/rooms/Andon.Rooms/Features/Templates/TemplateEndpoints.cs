using System.Text.RegularExpressions;
using Andon.BuildingBlocks.Errors;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Access;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Templates;

public sealed record TemplateMemberDto(string? UserId, string? Role);

public sealed record TemplateRequest(
    string? Name,
    string? Description,
    string? IncidentType,
    string? DefaultSeverity,
    List<TemplateMemberDto>? DefaultMembers,
    List<string>? MetadataFields);

public sealed record TemplateResponse(
    string Name,
    string? Description,
    string IncidentType,
    string DefaultSeverity,
    IReadOnlyList<TemplateMemberDto> DefaultMembers,
    IReadOnlyList<string> MetadataFields)
{
    public static TemplateResponse From(RoomTemplate t) => new(
        t.Name, t.Description, WireNames.Of(t.IncidentType), WireNames.Of(t.DefaultSeverity),
        t.DefaultMembers.Select(m => new TemplateMemberDto(m.UserId, WireNames.Of(m.Role))).ToList(), t.MetadataFields);
}

/// <summary><c>/api/templates</c>: everyone reads; admins write (audited).</summary>
public static partial class TemplateEndpoints
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,99}$")]
    private static partial Regex NamePattern();

    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        templates.MapGet("/", List);
        templates.MapGet("/{name}", Get);
        templates.MapPost("/", Create).AuditedAdmin("template.create");
        templates.MapPut("/{name}", Replace).AuditedAdmin("template.replace");
        templates.MapDelete("/{name}", Delete).AuditedAdmin("template.delete");
        return templates;
    }

    private static async Task<IResult> List(RoomsDb db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.Templates.AsNoTracking().OrderBy(t => t.Name).ToListAsync(cancellationToken)).Select(TemplateResponse.From).ToList());

    private static async Task<IResult> Get(string name, RoomsDb db, CancellationToken cancellationToken) =>
        await db.Templates.FindAsync([name], cancellationToken) is { } template
            ? TypedResults.Ok(TemplateResponse.From(template))
            : NotFound();

    private static async Task<IResult> Create(TemplateRequest body, RoomsDb db, CancellationToken cancellationToken)
    {
        var (template, errors) = Parse(body.Name, body);
        if (template is null)
        {
            return ApiProblem.Validation(errors);
        }

        if (await db.Templates.AnyAsync(t => t.Name == template.Name, cancellationToken))
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, $"A template named '{template.Name}' exists.");
        }

        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/templates/{template.Name}", TemplateResponse.From(template));
    }

    private static async Task<IResult> Replace(string name, TemplateRequest body, RoomsDb db, CancellationToken cancellationToken)
    {
        var (template, errors) = Parse(name, body);
        if (template is null)
        {
            return ApiProblem.Validation(errors);
        }

        var existing = await db.Templates.FindAsync([name], cancellationToken);
        if (existing is null)
        {
            db.Templates.Add(template);
        }
        else
        {
            existing.Description = template.Description;
            existing.IncidentType = template.IncidentType;
            existing.DefaultSeverity = template.DefaultSeverity;
            existing.DefaultMembers = template.DefaultMembers;
            existing.MetadataFields = template.MetadataFields;
        }

        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(TemplateResponse.From(existing ?? template));
    }

    private static async Task<IResult> Delete(string name, RoomsDb db, CancellationToken cancellationToken)
    {
        var template = await db.Templates.FindAsync([name], cancellationToken);
        if (template is null)
        {
            return NotFound();
        }

        db.Templates.Remove(template);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static (RoomTemplate? Template, Dictionary<string, string[]> Errors) Parse(string? name, TemplateRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (name is null || !NamePattern().IsMatch(name))
        {
            errors["name"] = ["name is 1 to 100 lower-case letters, digits, _ or -."];
        }

        if (body.Name is not null && name is not null && body.Name != name)
        {
            errors["name"] = ["The name in the body differs from the one in the path."];
        }

        if (!WireNames.TryParse(body.IncidentType, out IncidentType incidentType))
        {
            errors["incident_type"] = [$"incident_type must be one of {WireNames.Allowed<IncidentType>()}."];
        }

        if (!WireNames.TryParse(body.DefaultSeverity ?? "medium", out Severity severity))
        {
            errors["default_severity"] = [$"default_severity must be one of {WireNames.Allowed<Severity>()}."];
        }

        if (body.Description?.Length > 500)
        {
            errors["description"] = ["description must be at most 500 characters."];
        }

        var members = new List<TemplateMember>();
        foreach (var m in body.DefaultMembers ?? [])
        {
            if (m is null || string.IsNullOrWhiteSpace(m.UserId) || !m.UserId.Contains('@', StringComparison.Ordinal) || !WireNames.TryParse(m.Role, out RoomRole role))
            {
                errors["default_members"] = ["Each default member needs a user_id (e-mail) and a role (owner, editor or viewer)."];
                break;
            }

            members.Add(new TemplateMember(m.UserId.Trim().ToLowerInvariant(), role));
        }

        var fields = body.MetadataFields ?? [];
        if (fields.Count > 50 || fields.Any(f => string.IsNullOrWhiteSpace(f) || f.Length > 100))
        {
            errors["metadata_fields"] = ["At most 50 field names of 1 to 100 characters."];
        }

        return errors.Count > 0
            ? (null, errors)
            : (new RoomTemplate
            {
                Name = name!,
                Description = body.Description,
                IncidentType = incidentType,
                DefaultSeverity = severity,
                DefaultMembers = members,
                MetadataFields = fields,
            }, errors);
    }

    private static IResult NotFound() => ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Template not found.");
}

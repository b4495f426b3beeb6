using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Andon.Rooms.Features.Templates;

/// <summary>Creates the three shipped templates when they are missing, with default members from <c>Rooms:TemplateMembers</c>.</summary>
internal sealed class ShippedTemplates(IServiceScopeFactory scopes, IOptions<RoomsOptions> options) : IHostedService
{
    private static readonly (string Name, string Description, IncidentType Type, Severity Severity, string[] Fields)[] Shipped =
    [
        ("equipment_failure", "設備故障", IncidentType.EquipmentFailure, Severity.High, ["line", "station", "equipment_id", "alarm_code"]),
        ("material_shortage", "物料短缺", IncidentType.MaterialShortage, Severity.Medium, ["line", "station", "part_number", "lots"]),
        ("quality_issue", "品質問題", IncidentType.QualityIssue, Severity.High, ["line", "station", "lots", "defect_code"]),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RoomsDb>();
        foreach (var (name, description, type, severity, fields) in Shipped)
        {
            if (await db.Templates.FindAsync([name], cancellationToken) is not null)
            {
                continue;
            }

            var members = options.Value.TemplateMembers.GetValueOrDefault(name) ?? [];
            db.Templates.Add(new RoomTemplate
            {
                Name = name,
                Description = description,
                IncidentType = type,
                DefaultSeverity = severity,
                MetadataFields = [.. fields],
                DefaultMembers = members
                    .Where(m => !string.IsNullOrWhiteSpace(m.UserId))
                    .Select(m => new TemplateMember(m.UserId.Trim().ToLowerInvariant(), WireNames.TryParse(m.Role, out RoomRole role) ? role : RoomRole.Editor))
                    .ToList(),
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another rooms instance starting at the same moment created them first.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

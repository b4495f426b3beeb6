using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Persistence;
using Andon.Rooms.Features.Activity;
using Andon.Rooms.Features.Alarms;
using Andon.Rooms.Features.Members;
using Andon.Rooms.Features.Rooms;
using Andon.Rooms.Features.Templates;
using Andon.Rooms.Infrastructure.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Andon.Rooms;

/// <summary>The rooms service as a module: incident rooms, members and roles, templates, lifecycle, alarms.</summary>
public static class RoomsModule
{
    public static WebApplicationBuilder AddRoomsService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RoomsOptions>().BindConfiguration("Rooms");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddAndonDatabase<RoomsDb, PostgresRoomsDb, SqliteRoomsDb>("Rooms");
        builder.Services.AddHostedService<ShippedTemplates>();
        builder.AddBusConsumers(x =>
        {
            // One alarm at a time, so two identical alarms arriving together open one room.
            x.AddConsumer<EquipmentAlarmConsumer>((_, c) => c.UseConcurrentMessageLimit(1));
            // Up to 50 messages' activity a transaction, at most 100 ms late. The limit is also how many
            // messages the endpoint holds at once, and standalone's in-process bus wakes every idle one
            // of those slots for each message it hands over (with 200, ~14 MB/s of garbage in a room at
            // 1,000 msg/s; with 50, under 1: bench/README.md point 21).
            x.AddConsumer<ActivityConsumer>((_, c) => c.Options<BatchOptions>(o => o.SetMessageLimit(50).SetTimeLimit(ms: 100)));
            x.AddConsumer<KnownUserConsumer>();
        });
        return builder;
    }

    public static WebApplication MapRoomsService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var rooms = app.MapGroup("/api/rooms").RequireAuthorization().WithTags("Rooms");
        rooms.MapRoomEndpoints();
        rooms.MapMemberEndpoints();
        app.MapGroup("/api/templates").RequireAuthorization().WithTags("Templates").MapTemplateEndpoints();
        return app;
    }
}

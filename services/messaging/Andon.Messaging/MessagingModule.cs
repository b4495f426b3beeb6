using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Persistence;
using Andon.Messaging.Features.History;
using Andon.Messaging.Features.Live;
using Andon.Messaging.Features.RoomCopies;
using Andon.Messaging.Features.Search;
using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Andon.Messaging;

/// <summary>The messaging service as a module: the WebSocket hub, ordered durable messages, history.</summary>
public static class MessagingModule
{
    public static WebApplicationBuilder AddMessagingService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddAndonDatabase<MessagingDb, PostgresMessagingDb, SqliteMessagingDb>("Messaging");
        builder.Services.AddSingleton<RoomHub>();
        builder.Services.AddSingleton<RoomWriter>();
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.AddBusConsumers(x =>
        {
            x.AddConsumer<RoomEventConsumers>();
            x.AddConsumer<PostedElsewhereConsumers>();
        });
        return builder;
    }

    public static WebApplication MapMessagingService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapWebSocketEndpoint();
        app.MapMessageEndpoints();
        app.MapSearchEndpoint();
        return app;
    }
}

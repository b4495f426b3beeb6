using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Persistence;
using Andon.Messaging.Features.History;
using Andon.Messaging.Features.Live;
using Andon.Messaging.Features.RoomCopies;
using Andon.Messaging.Features.Search;
using Andon.Messaging.Infrastructure.Backplane;
using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
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
        builder.Services.AddValidatedOptions<MessagingOptions>(builder.Configuration, "Messaging");
        builder.AddAndonDatabase<MessagingDb, PostgresMessagingDb, SqliteMessagingDb>("Messaging");
        builder.Services.AddSingleton<RemotePresence>();
        builder.Services.AddSingleton<RoomHub>();
        builder.Services.AddSingleton<GapFiller>();
        var instance = new InstanceId(Guid.NewGuid());
        builder.Services.AddSingleton(instance);
        var distributed = builder.Configuration.GetValue("Bus:Transport", BusTransport.InMemory) == BusTransport.RabbitMq;
        if (distributed)
        {
            builder.Services.AddSingleton<IBackplane, RabbitMqBackplane>();
            builder.Services.AddHostedService<PresenceAnnouncer>();
            builder.Services.AddHostedService<TailSweeper>();
        }
        else
        {
            builder.Services.AddSingleton<IBackplane, NoBackplane>();
        }

        builder.Services.AddSingleton<RoomWriter>();
        if (DatabaseSetup.Provider(builder.Configuration) == DatabaseProvider.Sqlite)
        {
            builder.Services.AddHostedService<SearchIndexer>();
        }

        builder.Services.AddSingleton<SendRateLimiter>();
        builder.AddBusConsumers(x =>
        {
            x.AddConsumer<RoomEventConsumers>();
            x.AddConsumer<PostedElsewhereConsumers>();
            if (distributed)
            {
                x.AddBackplaneConsumer(instance);
            }
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

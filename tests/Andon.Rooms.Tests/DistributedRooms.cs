using System.Collections.Concurrent;
using Andon.BuildingBlocks.Bus;
using Andon.Contracts;
using Andon.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.Rooms.Tests;

/// <summary>
/// The distributed mode: identity, rooms and the gateway as separate processes on PostgreSQL,
/// RabbitMQ and slapd, plus a listener on the bus that records what rooms publishes and can publish
/// plant-floor events.
/// </summary>
public sealed class DistributedRooms : IAsyncLifetime
{
    private WebApplication? listener;

    public TestDatabase IdentityDatabase { get; } = TestDatabase.Create("rooms_identity");

    public TestDatabase RoomsDatabase { get; } = TestDatabase.Create("rooms");

    public HostProcess Identity { get; private set; } = null!;

    public HostProcess Rooms { get; private set; } = null!;

    public HostProcess Gateway { get; private set; } = null!;

    public ConcurrentQueue<object> Published { get; } = new();

    public IBus Bus => listener!.Services.GetRequiredService<IBus>();

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var bus = TestServers.NewRabbitMqVirtualHost();
        Identity = await HostProcess.StartAsync(
            "services/identity/Andon.Identity.Api",
            AndonHosts.Identity(IdentityDatabase, TestServers.Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus),
            identityPort);
        Rooms = await HostProcess.StartAsync("services/rooms/Andon.Rooms.Api", AndonHosts.Rooms(RoomsDatabase, Identity.Address, bus));
        var gateway = AndonHosts.Gateway(Identity.Address, AndonHosts.TemporaryFolder());
        gateway["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = Rooms.Address.ToString();
        Gateway = await HostProcess.StartAsync("gateway/Andon.Gateway.Api", gateway);

        var builder = AndonHosts.BusClient(bus);
        builder.Services.AddSingleton(this);
        builder.AddBusConsumers(x => x.AddConsumer<Recorder>());
        builder.AddAndonBus("rooms-test-" + Guid.NewGuid().ToString("N")[..8]);
        listener = builder.Build();
        await listener.StartAsync();

        // The recorder's queue must be bound before rooms publishes anything the tests look for.
        await listener.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (listener is not null)
        {
            await listener.StopAsync();
            await listener.DisposeAsync();
        }

        foreach (var host in new[] { Gateway, Rooms, Identity })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        await RoomsDatabase.DisposeAsync();
        await IdentityDatabase.DisposeAsync();
    }

    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (Published.OfType<T>().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No {typeof(T).Name} matching arrived.");
    }

    /// <summary>Records everything rooms publishes.</summary>
    public sealed class Recorder(DistributedRooms fixture) :
        IConsumer<RoomCreated>, IConsumer<RoomUpdated>, IConsumer<RoomStatusChanged>, IConsumer<RoomDeleted>,
        IConsumer<MemberAdded>, IConsumer<MemberRoleChanged>, IConsumer<MemberRemoved>, IConsumer<OwnershipTransferred>,
        IConsumer<IncidentDataReported>
    {
        public Task Consume(ConsumeContext<RoomCreated> context) => Record(context.Message);

        public Task Consume(ConsumeContext<RoomUpdated> context) => Record(context.Message);

        public Task Consume(ConsumeContext<RoomStatusChanged> context) => Record(context.Message);

        public Task Consume(ConsumeContext<RoomDeleted> context) => Record(context.Message);

        public Task Consume(ConsumeContext<MemberAdded> context) => Record(context.Message);

        public Task Consume(ConsumeContext<MemberRoleChanged> context) => Record(context.Message);

        public Task Consume(ConsumeContext<MemberRemoved> context) => Record(context.Message);

        public Task Consume(ConsumeContext<OwnershipTransferred> context) => Record(context.Message);

        public Task Consume(ConsumeContext<IncidentDataReported> context) => Record(context.Message);

        private Task Record(object message)
        {
            fixture.Published.Enqueue(message);
            return Task.CompletedTask;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DistributedRoomsMode : ICollectionFixture<DistributedRooms>
{
    public const string Name = "distributed rooms";
}

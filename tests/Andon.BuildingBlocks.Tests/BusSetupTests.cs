using System.Collections.Concurrent;
using Andon.BuildingBlocks.Bus;
using Andon.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Andon.BuildingBlocks.Tests;

public sealed class BusSetupTests
{
    [Fact]
    public async Task The_bus_sends_no_usage_report_outside_the_plant()
    {
        // MassTransit reports its usage to its vendor's server unless told not to; a plant's servers
        // may have no way out, and their IT must not find one being tried.
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddAndonBus("telemetry-test");
        await using var host = builder.Build();

        Assert.False(host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }

    [Fact]
    public async Task The_in_memory_bus_gives_each_event_only_to_the_consumer_of_its_type_with_every_field()
    {
        // Standalone's bus carries raw JSON (bench/README.md point 35); a raw message is dispatched by
        // the type the sender named, so an endpoint with consumers of two types (as rooms' activity
        // has) must not hand one type's message to the other's consumer.
        var builder = WebApplication.CreateSlimBuilder();
        var seen = new Seen();
        builder.Services.AddSingleton(seen);
        builder.AddBusConsumers(x => x.AddConsumer<TwoTypesConsumer>((_, c) => c.Options<BatchOptions>(o => o.SetMessageLimit(10).SetTimeLimit(ms: 50))));
        builder.AddAndonBus("raw-test");
        await using var host = builder.Build();
        await host.StartAsync();
        var at = new DateTimeOffset(2026, 12, 7, 23, 40, 1, 123, TimeSpan.Zero);
        var posted = new MessagePosted(Guid.NewGuid(), at, Guid.NewGuid(), Guid.NewGuid(), 42, "operator@andon.local", "incident_data");
        var uploaded = new FileUploaded(Guid.NewGuid(), at, Guid.NewGuid(), Guid.NewGuid(), "輸送帶.jpg", "image", "operator@andon.local", "林美玲");
        var bus = host.Services.GetRequiredService<IBus>();
        await bus.Publish(posted);
        await bus.Publish(uploaded);

        for (var i = 0; i < 100 && (seen.Posted.IsEmpty || seen.Uploaded.IsEmpty); i++)
        {
            await Task.Delay(50);
        }

        await Task.Delay(200); // anything given to the wrong consumer would arrive by now
        Assert.Equal([posted], seen.Posted);
        Assert.Equal([uploaded], seen.Uploaded);
        await host.StopAsync();
    }

    private sealed class Seen
    {
        public ConcurrentQueue<MessagePosted> Posted { get; } = new();

        public ConcurrentQueue<FileUploaded> Uploaded { get; } = new();
    }

    private sealed class TwoTypesConsumer(Seen seen) : IConsumer<Batch<MessagePosted>>, IConsumer<FileUploaded>
    {
        public Task Consume(ConsumeContext<Batch<MessagePosted>> context)
        {
            foreach (var message in context.Message)
            {
                seen.Posted.Enqueue(message.Message);
            }

            return Task.CompletedTask;
        }

        public Task Consume(ConsumeContext<FileUploaded> context)
        {
            seen.Uploaded.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}

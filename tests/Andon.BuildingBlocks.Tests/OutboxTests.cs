using System.Collections.Concurrent;
using System.Diagnostics;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.BuildingBlocks.Tests;

/// <summary>
/// The outbox on PostgreSQL and RabbitMQ (behind a relay that can cut the broker off): events
/// written while the broker is away are held, then delivered once it is back, exactly once to an
/// idempotent consumer.
/// </summary>
public sealed class OutboxTests : IAsyncLifetime
{
    private readonly TestDatabase database = TestDatabase.Create("outbox");
    private readonly TcpProxy broker = new(TestServers.RabbitMq.Host, TestServers.RabbitMq.Port);
    private WebApplication host = null!;

    public async Task InitializeAsync()
    {
        var builder = AndonHosts.BusClient(new UriBuilder(TestServers.RabbitMq) { Port = broker.Port }.Uri);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Deliveries>();
        builder.Services.AddOutbox<LedgerDb>();
        builder.Services.AddDbContext<LedgerDb>((sp, o) => o.UseNpgsql(database.ConnectionString).AddInterceptors(sp.GetRequiredService<OutboxSignal<LedgerDb>>()));
        builder.AddBusConsumers(x => x.AddConsumer<LedgerConsumer>());
        builder.AddAndonBus("outbox-test-" + Guid.NewGuid().ToString("N")[..8]);
        host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<LedgerDb>().Database.EnsureCreatedAsync();
        }

        await host.StartAsync();

        // The consumer's queue must be bound before anything is published to it.
        await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        await host.DisposeAsync();
        broker.Dispose();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Events_written_while_the_broker_is_down_are_delivered_once_it_is_back_exactly_once()
    {
        await Publish(Event("warm-up"));
        await WaitUntil(async () => await ReceivedCount("warm-up") == 1, TimeSpan.FromSeconds(60));

        broker.Stop();
        var events = Enumerable.Range(0, 3).Select(i => Event("held-" + i)).ToList();
        foreach (var e in events)
        {
            await Publish(e);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL"));
        Assert.Equal(0, await ReceivedCount("held-"));

        // A publish that failed is written down on its row: one more attempt and why.
        await WaitUntil(async () => await database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL AND \"Attempts\" > 0 AND \"LastError\" IS NOT NULL") > 0, TimeSpan.FromSeconds(60));

        broker.Start();

        await WaitUntil(async () => await ReceivedCount("held-") == 3, TimeSpan.FromSeconds(90));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL"));

        // The broker (or a retry of the outbox) delivering an event again changes nothing.
        var bus = host.Services.GetRequiredService<IBus>();
        await bus.Publish(events[0]);
        var deliveries = host.Services.GetRequiredService<Deliveries>();
        await WaitUntil(() => Task.FromResult(deliveries.Count(events[0].EventId) == 2), TimeSpan.FromSeconds(30));
        Assert.Equal(3, await ReceivedCount("held-"));
    }

    [Fact]
    public async Task An_event_is_only_in_the_outbox_if_its_transaction_commits()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            db.AddIntegrationEvent(Event("rolled-back"));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"Payload\" LIKE '%rolled-back%'"));
    }

    [Fact]
    public async Task The_commit_of_an_explicit_transaction_wakes_the_dispatcher()
    {
        // Inside a transaction SaveChanges runs before the rows are visible to the dispatcher, which
        // then finds nothing; the commit must wake it again, or the event waits for the idle poll.
        // A signal of its own, so the host's running dispatcher cannot take the wake-up first.
        using var signal = new OutboxSignal<LedgerDb>();
        var options = new DbContextOptionsBuilder<LedgerDb>().UseNpgsql(database.ConnectionString).AddInterceptors(signal).Options;
        await using var db = new LedgerDb(options);
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.AddIntegrationEvent(Event("explicit"));
        await db.SaveChangesAsync();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None), "SaveChanges signals");
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        await transaction.CommitAsync();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None), "The commit did not wake the dispatcher.");
    }

    [Fact]
    public async Task Events_committed_one_after_another_are_marked_in_a_few_writes_not_one_each()
    {
        // Every commit wakes the dispatcher. After a batch that was not full the next one gathers for
        // a moment, so a busy service pays one marking write per gathering rather than one per commit
        // (on SQLite each is a sync of the disk under the file's one write lock). A write marks its
        // whole batch with one time: distinct times count the writes.
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();

        // Commits that do not wait for the disk, so that they come faster than the gathering.
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("SET synchronous_commit = off");
        var started = Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            db.AddIntegrationEvent(Event("burst-" + i));
            await db.SaveChangesAsync();
        }

        var elapsed = started.Elapsed;
        await WaitUntil(async () => await database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"Payload\" LIKE '%burst-%' AND \"DispatchedAt\" IS NULL") == 0, TimeSpan.FromSeconds(30));

        // A row is marked once RabbitMQ has taken its event; the consumer may still be storing it.
        await WaitUntil(async () => await ReceivedCount("burst-") >= 40, TimeSpan.FromSeconds(30));
        Assert.Equal(40, await ReceivedCount("burst-"));
        var writes = await database.ScalarAsync<long>("SELECT count(DISTINCT \"DispatchedAt\") FROM outbox_messages WHERE \"Payload\" LIKE '%burst-%'");

        // Each write is followed by a pause of Gather: at most one a Gather while the commits came, and one after.
        Assert.True(writes <= (long)(elapsed / OutboxDispatcher<LedgerDb>.Gather) + 2, $"{writes} writes for 40 commits in {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Published_rows_older_than_a_week_are_deleted_oldest_first_and_waiting_rows_never()
    {
        var now = DateTimeOffset.UtcNow;
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();

        // Three published eight days ago, one yesterday, one not yet: a delete of at most two takes
        // the two oldest, the next the third, and then there is nothing more to take.
        var old = await AddRowsAsync(db, 3, now.AddDays(-8));
        var recent = await AddRowsAsync(db, 1, now.AddDays(-1));
        var waiting = await AddRowsAsync(db, 1, dispatchedAt: null);
        var before = now - OutboxDispatcher<LedgerDb>.KeepDispatched;
        Assert.Equal(2, await db.DeleteDispatchedAsync(before, 2, CancellationToken.None));
        Assert.Equal([old[2]], await Remaining(db, old));
        Assert.Equal(1, await db.DeleteDispatchedAsync(before, 2, CancellationToken.None));
        Assert.Equal(0, await db.DeleteDispatchedAsync(before, 2, CancellationToken.None));
        Assert.Equal(recent, await Remaining(db, recent));
        Assert.Equal(waiting, await Remaining(db, waiting)); // (published meanwhile by the host's dispatcher, or not: kept)

        // A dispatcher deletes old rows as it starts (and every hour after).
        var older = await AddRowsAsync(db, 5, now.AddDays(-30));
        var services = host.Services;
        using var dispatcher = new OutboxDispatcher<LedgerDb>(
            services.GetRequiredService<IServiceScopeFactory>(),
            services.GetRequiredService<IBus>(),
            services.GetRequiredService<OutboxSignal<LedgerDb>>(),
            services.GetRequiredService<Persistence.SqliteWriteGate<LedgerDb>>(),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher<LedgerDb>>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        await WaitUntil(async () => (await Remaining(db, older)).Count == 0, TimeSpan.FromSeconds(30));
        await dispatcher.StopAsync(CancellationToken.None);
        Assert.Equal(recent, await Remaining(db, recent));
    }

    private static async Task<List<long>> AddRowsAsync(LedgerDb db, int count, DateTimeOffset? dispatchedAt)
    {
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var row = OutboxModel.OutboxRow(Event("row-" + i));
            row.DispatchedAt = dispatchedAt;
            return row;
        }).ToList();

        // Straight into the table: SaveChanges would wake the host's dispatcher for rows it need not see.
        foreach (var row in rows)
        {
            row.Id = await db.Database.SqlQuery<long>(
                $"INSERT INTO outbox_messages (\"EventId\", \"Type\", \"Payload\", \"OccurredAt\", \"DispatchedAt\", \"Attempts\") VALUES ({row.EventId}, {row.Type}, {row.Payload}, {row.OccurredAt}, {row.DispatchedAt}, 0) RETURNING \"Id\" AS \"Value\"")
                .AsAsyncEnumerable().SingleAsync();
        }

        return [.. rows.Select(r => r.Id)];
    }

    private static Task<List<long>> Remaining(LedgerDb db, List<long> ids) =>
        db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync();

    private static UserSignedIn Event(string name) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, name + "@outbox.test", name, null, null, null, false);

    private async Task Publish(UserSignedIn e)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();
        db.AddIntegrationEvent(e);
        await db.SaveChangesAsync();
    }

    private async Task<int> ReceivedCount(string prefix)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();
        return await db.Received.CountAsync(r => r.UserId.StartsWith(prefix));
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not reached within {timeout}.");
            await Task.Delay(200);
        }
    }
}

public sealed class LedgerDb(DbContextOptions<LedgerDb> options) : DbContext(options)
{
    public DbSet<ReceivedEvent> Received => Set<ReceivedEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ReceivedEvent>().HasKey(r => r.Id);
        modelBuilder.AddOutbox();
    }
}

public sealed class ReceivedEvent
{
    public int Id { get; set; }

    public Guid EventId { get; set; }

    public required string UserId { get; set; }
}

/// <summary>Counts every delivery, whether or not the consumer acted on it.</summary>
public sealed class Deliveries
{
    private readonly ConcurrentDictionary<Guid, int> counts = new();

    public void Add(Guid eventId) => counts.AddOrUpdate(eventId, 1, (_, n) => n + 1);

    public int Count(Guid eventId) => counts.GetValueOrDefault(eventId);
}

public sealed class LedgerConsumer(LedgerDb db, Deliveries deliveries) : IConsumer<UserSignedIn>
{
    public async Task Consume(ConsumeContext<UserSignedIn> context)
    {
        deliveries.Add(context.Message.EventId);
        await db.ProcessOnceAsync(context.Message.EventId, nameof(LedgerConsumer), () =>
        {
            db.Received.Add(new ReceivedEvent { EventId = context.Message.EventId, UserId = context.Message.UserId });
            return Task.CompletedTask;
        }, context.CancellationToken);
    }
}

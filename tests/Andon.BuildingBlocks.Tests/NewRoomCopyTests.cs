using Andon.BuildingBlocks.Bus;

namespace Andon.BuildingBlocks.Tests;

/// <summary>Who waits for a room's copy: only a request naming a room made within the window.</summary>
public sealed class NewRoomCopyTests
{
    private sealed class Lookups(int foundOnCall)
    {
        public int Calls { get; private set; }

        public Task<string?> Find(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(Calls >= foundOnCall ? "room" : null);
        }
    }

    [Fact]
    public void A_version_7_id_says_when_it_was_made_and_any_other_id_says_nothing()
    {
        var made = new DateTimeOffset(2026, 11, 27, 8, 30, 15, 123, TimeSpan.Zero);

        Assert.Equal(made, NewRoomCopy.MadeAt(Guid.CreateVersion7(made)));
        Assert.Null(NewRoomCopy.MadeAt(Guid.NewGuid()));
        Assert.Null(NewRoomCopy.MadeAt(Guid.Empty));
    }

    [Fact]
    public async Task A_room_made_a_moment_ago_is_looked_up_again_until_its_copy_arrives()
    {
        var lookups = new Lookups(foundOnCall: 4);

        var found = await NewRoomCopy.FindAsync(Guid.CreateVersion7(), lookups.Find, TimeProvider.System, CancellationToken.None);

        Assert.Equal("room", found);
        Assert.Equal(4, lookups.Calls);
    }

    [Fact]
    public async Task A_copy_that_never_comes_is_given_up_when_the_rooms_window_has_passed()
    {
        var lookups = new Lookups(foundOnCall: int.MaxValue);
        var madeNearlyAWindowAgo = DateTimeOffset.UtcNow - NewRoomCopy.Window + TimeSpan.FromSeconds(1);

        var found = await NewRoomCopy.FindAsync(Guid.CreateVersion7(madeNearlyAWindowAgo), lookups.Find, TimeProvider.System, CancellationToken.None);

        // About a second of looking every 25 ms: more than once, and not for a whole window.
        Assert.Null(found);
        Assert.InRange(lookups.Calls, 2, 100);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("an hour ago")]
    [InlineData("an hour ahead")]
    public async Task An_id_rooms_did_not_make_just_now_is_looked_up_once(string id)
    {
        var lookups = new Lookups(foundOnCall: int.MaxValue);
        var roomId = id switch
        {
            "random" => Guid.NewGuid(),
            "an hour ago" => Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(-1)),
            _ => Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(1)),
        };

        Assert.Null(await NewRoomCopy.FindAsync(roomId, lookups.Find, TimeProvider.System, CancellationToken.None));
        Assert.Equal(1, lookups.Calls);
    }

    [Fact]
    public async Task A_caller_that_goes_away_stops_the_wait()
    {
        using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var lookups = new Lookups(foundOnCall: int.MaxValue);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NewRoomCopy.FindAsync(Guid.CreateVersion7(), lookups.Find, TimeProvider.System, gone.Token));
    }
}

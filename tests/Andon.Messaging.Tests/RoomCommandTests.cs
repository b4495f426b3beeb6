using Andon.Messaging.Infrastructure.Hub;

namespace Andon.Messaging.Tests;

public sealed class RoomCommandTests
{
    private sealed class Noop() : RoomCommand(Guid.NewGuid())
    {
        public override Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken) => Task.FromResult(new CommandResult(null));
    }

    [Fact]
    public async Task An_answer_that_throws_leaves_the_writer_going_and_the_outcome_set_once()
    {
        var answers = 0;
        var command = new Noop
        {
            Answered = _ =>
            {
                answers++;
                throw new InvalidOperationException("the socket is gone");
            },
        };

        var stored = new CommandResult("stored");
        command.Complete(stored);
        command.Complete(CommandResult.Fail("unavailable", "later"));

        Assert.Same(stored, await command.Outcome);
        Assert.Equal(1, answers);
    }
}

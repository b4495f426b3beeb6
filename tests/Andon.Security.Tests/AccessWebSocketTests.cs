using System.Net;
using System.Text.Json;
using Andon.Testing;
using static Andon.Security.Tests.AccessSetup;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// Every client→server WebSocket action that changes a room × {anonymous, non-member, viewer,
/// editor, owner, admin}: anonymous and non-members never get a socket (401, 403 before the
/// upgrade); the others send the frame on a live socket and get either its effect or an
/// <c>insufficient_permissions</c> error frame, as CONTRACT.md's role rules say. Each action
/// targets a fresh message sent by the editor.
/// </summary>
[Collection(AccessMode.Name)]
public sealed class AccessWebSocketTests(StandaloneSystem system)
{
    private const string Refused = "insufficient_permissions";

    /// <summary>Per action: the answer for viewer, editor, owner and admin — the effect's frame type or an error code.</summary>
    private static readonly Dictionary<string, string[]> Expected = new(StringComparer.Ordinal)
    {
        ["message"] = [Refused, "ack", "ack", "ack"],
        ["edit_message"] = [Refused, "message_edited", Refused, Refused], // one's own message only
        ["delete_message"] = [Refused, "message_deleted", Refused, "message_deleted"], // one's own, or any as admin
        ["add_reaction"] = [Refused, "reaction_added", "reaction_added", "reaction_added"],
        ["remove_reaction"] = [Refused, "reaction_removed", "reaction_removed", "reaction_removed"],
        ["typing"] = [Refused, "typing", "typing", "typing"], // seen by the others
    };

    private static readonly string[] Members = [Viewer, Editor, Owner, Admin];

    public static TheoryData<string> Actions()
    {
        var data = new TheoryData<string>();
        foreach (var action in Expected.Keys)
        {
            data.Add(action);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_caller_gets_the_effect_or_the_refusal_the_contract_gives(string action)
    {
        var room = await system.ReadyRoomAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<WsRefusedException>(() => WsClient.ConnectAsync(system.Host.Address, room))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<WsRefusedException>(() => system.Connect(room, NonMember))).Status);

        var sockets = new Dictionary<string, WsClient>();
        try
        {
            foreach (var user in Members)
            {
                sockets[user] = await system.Connect(room, user);
                await sockets[user].NextOfTypeAsync("hello");
            }

            var failures = new List<string>();
            for (var i = 0; i < Members.Length; i++)
            {
                var observer = sockets[Members[i] == Owner ? Editor : Owner];
                var answer = action == "typing"
                    ? await Typing(sockets[Members[i]], observer, Members[i])
                    : await Act(action, sockets[Members[i]], room);
                if (answer != Expected[action][i])
                {
                    failures.Add($"{Members[i]}: expected {Expected[action][i]}, got {answer}");
                }
            }

            Assert.True(failures.Count == 0, action + "\n" + string.Join('\n', failures));
        }
        finally
        {
            foreach (var socket in sockets.Values)
            {
                await socket.DisposeAsync();
            }
        }

        Tally.Add(Tally.AuthorizationCells, 2 + Members.Length);
    }

    /// <summary>Sends <paramref name="action"/>; the frame type of its effect, or the code of the error frame.</summary>
    private async Task<string> Act(string action, WsClient socket, Guid room)
    {
        var messageId = await system.PostMessageAsync(room, Editor, "換線中 " + Guid.NewGuid().ToString("N")[..6]);
        var clientId = Guid.NewGuid().ToString();
        if (action == "remove_reaction")
        {
            // Something to remove, where the caller may react at all.
            await socket.SendJsonAsync(new { type = "add_reaction", message_id = messageId, emoji = "👍" });
            await Answer(socket, messageId, clientId, "reaction_added");
        }

        object frame = action switch
        {
            "message" => new { type = "message", client_id = clientId, message_type = "text", content = "溫度 85°C" },
            "edit_message" => new { type = "edit_message", message_id = messageId, content = "已穩定在 75°C" },
            "delete_message" => new { type = "delete_message", message_id = messageId },
            "add_reaction" => new { type = "add_reaction", message_id = messageId, emoji = "👍" },
            "remove_reaction" => new { type = "remove_reaction", message_id = messageId, emoji = "👍" },
            _ => throw new InvalidOperationException("No frame for " + action),
        };
        await socket.SendJsonAsync(frame);
        return await Answer(socket, messageId, clientId, Expected[action][1]);
    }

    /// <summary>
    /// A typing frame: the error its sender gets, or the indicator another member sees. A frame of
    /// unknown type sent right after it marks where the sender's answer to it would have been.
    /// </summary>
    private static async Task<string> Typing(WsClient socket, WsClient observer, string user)
    {
        await socket.SendJsonAsync(new { type = "typing", is_typing = true });
        await socket.SendJsonAsync(new { type = "not_a_frame" });
        var first = (await socket.NextOfTypeAsync("error", TimeSpan.FromSeconds(20))).GetProperty("code").GetString()!;
        if (first != "invalid_frame")
        {
            await socket.NextOfTypeAsync("error", TimeSpan.FromSeconds(20));
            return first;
        }

        return Type(await observer.NextAsync(f => Type(f) == "typing" && f.GetProperty("user_id").GetString() == user, TimeSpan.FromSeconds(20)));
    }

    private static async Task<string> Answer(WsClient socket, Guid messageId, string clientId, string effect)
    {
        var answer = await socket.NextAsync(f => Type(f) == "error" || (Type(f) == effect && Concerns(f, messageId, clientId)), TimeSpan.FromSeconds(20));
        return Type(answer) == "error" ? answer.GetProperty("code").GetString()! : Type(answer);
    }

    private static bool Concerns(JsonElement frame, Guid messageId, string clientId) =>
        (frame.TryGetProperty("message_id", out var id) && id.GetString() == messageId.ToString())
        || (frame.TryGetProperty("client_id", out var client) && client.GetString() == clientId);
}

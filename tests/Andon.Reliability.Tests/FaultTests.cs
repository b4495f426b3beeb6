using System.Net;
using System.Text.Json;
using Andon.Testing;
using Xunit.Abstractions;

namespace Andon.Reliability.Tests;

/// <summary>
/// Faults injected into the running distributed system while two members send and three receive
/// through the gateway; after each, the checker of <see cref="RoomLoad"/> proves that every
/// acknowledged message reached every member exactly once and in order. The tests share one
/// system and run one after the other; each leaves it whole again.
/// </summary>
public sealed class FaultTests(FaultSystem system, ITestOutputHelper output) : IClassFixture<FaultSystem>
{
    private const int PerSender = 60;

    [Fact]
    public async Task A_messaging_replica_killed_under_load_loses_and_duplicates_nothing_its_clients_resume_on_the_other()
    {
        await using var load = await RoomLoad.OpenAsync(system, "五號線射出機停機");
        var sending = load.SendAsync(PerSender);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = load.Members.Sum(m => m.Connections);

        // SIGKILL: the replica's sockets drop without a close frame; the gateway takes it out of
        // the rotation when it fails its live check.
        await system.KillReplicaAsync(0);
        try
        {
            await sending;
            await load.SettleAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await system.RestartReplicaAsync(0);
        }

        Assert.True(load.Members.Sum(m => m.Connections) > before, "No member's socket was on the killed replica.\n" + load.Check().Detail);
        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: 2 * PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    [Fact]
    public async Task With_RabbitMQ_unreachable_events_wait_in_the_outboxes_and_arrive_once_after_while_messages_go_on()
    {
        // RabbitMQ is shared with other test projects: the relay in front of it is cut instead.
        await using var load = await RoomLoad.OpenAsync(system, "一號線烤箱溫度異常");
        await WaitUntilFilesKnowsAsync(load);
        var sending = load.SendAsync(PerSender);
        await Task.Delay(TimeSpan.FromSeconds(2));

        // The bus stays down until the load has ended, so the room's last frames are ones the
        // replicas could not share through the backplane, and the held events come after them.
        system.RabbitMq.Stop();
        Guid fileId;
        try
        {
            // Made while the bus is down: both answer at once; their events wait in the outboxes.
            var added = await load.Owner.Session.SendAsync(HttpMethod.Post, $"/api/rooms/{load.RoomId}/members", new { user_id = "admin.chen@andon.test", role = "viewer" });
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var uploaded = await UploadAsync(load.Editor.Session, load.RoomId);
            Assert.True(uploaded.StatusCode == HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
            fileId = (await BrowserSession.Json(uploaded)).GetProperty("file_id").GetGuid();
            await sending;
            Assert.True(await system.RoomsDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL") > 0, "The membership event was not held in the rooms outbox.");
            Assert.True(await system.FilesDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL") > 0, "FileUploaded was not held in the files outbox.");
        }
        finally
        {
            system.RabbitMq.Start();
        }

        bool Arrived(Member m)
        {
            var (_, messages, frames) = m.Snapshot();
            return messages.Any(x => FileOf(x) == fileId) && frames.Any(IsAdminAdded);
        }

        var back = System.Diagnostics.Stopwatch.StartNew();
        await load.SettleAsync(TimeSpan.FromSeconds(45), Arrived);
        output.WriteLine($"everything arrived {back.Elapsed.TotalSeconds:F1} s after the bus came back");

        // Each member got the image message and the membership frame exactly once.
        foreach (var member in load.Members)
        {
            var (_, messages, frames) = member.Snapshot();
            Assert.True(messages.Count(x => FileOf(x) == fileId) == 1, $"{member.UserId}: the upload made while the bus was down arrived {messages.Count(x => FileOf(x) == fileId)} times.\n{load.Check().Detail}\n{system.Logs()}");
            Assert.True(frames.Count(IsAdminAdded) == 1, $"{member.UserId}: the member added while the bus was down arrived {frames.Count(IsAdminAdded)} times.\n{load.Check().Detail}");
        }

        Assert.Equal(0, await system.RoomsDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL"));
        Assert.Equal(0, await system.FilesDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE \"DispatchedAt\" IS NULL"));
        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: 2 * PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    [Fact]
    public async Task With_PostgreSQL_unreachable_sends_are_refused_with_error_frames_nothing_acknowledged_is_lost_and_every_service_recovers()
    {
        // PostgreSQL is shared with other test projects: the relay in front of it is cut instead,
        // which drops every open connection as a restart does.
        await using var load = await RoomLoad.OpenAsync(system, "六號線塗裝線停線");
        await WaitUntilFilesKnowsAsync(load);
        var processes = system.Running.Select(h => h.ProcessId).Order().ToList();
        var sending = load.SendAsync(PerSender + 30); // goes on for a while after the database is back
        await Task.Delay(TimeSpan.FromSeconds(3));

        system.Postgres.Stop();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));

            // A request that needs the database meanwhile is told to try again, not "an unexpected error".
            foreach (var path in new[] { $"/api/rooms/{load.RoomId}/messages", $"/api/rooms/{load.RoomId}" })
            {
                var meanwhile = await load.Owner.Session.SendAsync(HttpMethod.Get, path);
                var problem = await meanwhile.Content.ReadAsStringAsync();
                Assert.True(meanwhile.StatusCode == HttpStatusCode.ServiceUnavailable, $"GET {path} while the database was down: {(int)meanwhile.StatusCode} {problem}");
                Assert.Equal("unavailable", JsonDocument.Parse(problem).RootElement.GetProperty("code").GetString());
            }

            await Task.Delay(TimeSpan.FromSeconds(4));
        }
        finally
        {
            system.Postgres.Start();
        }

        await sending;
        await load.SettleAsync(TimeSpan.FromSeconds(60));

        // Meanwhile sends were answered with error frames, not acknowledged and not left unanswered.
        var refused = load.Senders.Sum(s => s.Refused.Count);
        Assert.True(refused > 0, "No send was refused while the database was down.\n" + load.Check().Detail);
        Assert.All(load.Senders, s => Assert.All(s.ErrorCodes, code => Assert.Equal("unavailable", code)));

        // Then the same processes serve again: messaging acknowledges, rooms, files and identity write.
        Assert.All(load.Senders, s => Assert.True(s.Acks.ContainsKey(s.Sent[^1]), $"{s.UserId}'s last message, sent after the database came back, was not acknowledged.\n{load.Check().Detail}"));
        var created = await load.Owner.Session.SendAsync(HttpMethod.Post, "/api/rooms", new { title = "六號線復線確認", incident_type = "quality_issue", severity = "low" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var uploaded = await UploadAsync(load.Editor.Session, load.RoomId);
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        using (var again = new BrowserSession(system.Address))
        {
            await RoomLoad.SignInAsync(again, "qa.huang");
        }

        Assert.Equal(processes, system.Running.Select(h => h.ProcessId).Order().ToList());
        var outcome = load.AssertNothingLost(minimumAcknowledged: PerSender / 2);
        output.WriteLine($"refused while down: {refused}\n{outcome.Detail}");
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    [Fact]
    public async Task With_the_directory_unreachable_sign_in_answers_503_while_existing_sessions_keep_sending_and_reconnecting()
    {
        // slapd is shared with other test projects: the relay between identity and it is cut instead.
        await using var load = await RoomLoad.OpenAsync(system, "二號線AOI誤判");
        var sending = load.SendAsync(PerSender);
        await Task.Delay(TimeSpan.FromSeconds(2));

        system.Ldap.Stop();
        try
        {
            using (var newcomer = new BrowserSession(system.Address))
            {
                var refused = await newcomer.LoginAsync("qa.huang", TestServers.LdapPassword);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Null(newcomer.CookieHeader);
            }

            // Signed-in people go on: their sessions answer, and their dropped sockets come back.
            Assert.Equal(HttpStatusCode.OK, (await load.Viewer.Session.SendAsync(HttpMethod.Get, "/api/auth/me", csrfHeader: false)).StatusCode);
            var before = load.Members.Select(m => m.Connections).ToList();
            foreach (var member in load.Members)
            {
                member.Drop();
            }

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (load.Members.Select((m, i) => m.Connections > before[i]).Contains(false) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.True(load.Members.Select((m, i) => m.Connections > before[i]).All(x => x), "A member could not reconnect while the directory was down.\n" + load.Check().Detail);
            var posted = await load.Editor.Session.SendAsync(HttpMethod.Post, $"/api/rooms/{load.RoomId}/messages", new { client_id = Guid.NewGuid().ToString(), message_type = "text", content = "目錄離線時的訊息" });
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }
        finally
        {
            system.Ldap.Start();
        }

        using (var later = new BrowserSession(system.Address))
        {
            await RoomLoad.SignInAsync(later, "qa.huang");
        }

        await sending;
        await load.SettleAsync(TimeSpan.FromSeconds(60));
        Assert.All(load.Members, m => Assert.DoesNotContain(HttpStatusCode.Unauthorized, m.RefusedUpgrades));
        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: 2 * PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    [Fact]
    public async Task A_gateway_restarted_under_load_keeps_every_session_and_its_clients_resume_without_loss()
    {
        await using var load = await RoomLoad.OpenAsync(system, "七號線組裝站缺料");
        var sending = load.SendAsync(PerSender);
        await Task.Delay(TimeSpan.FromSeconds(3));

        // SIGKILL, then a new process on the same port with the same key folder.
        await system.RestartGatewayAsync();
        await sending;
        await load.SettleAsync(TimeSpan.FromSeconds(60));

        // Every socket went down with the gateway and came back with the cookie it had: never a 401.
        Assert.All(load.Members, m => Assert.True(m.Connections >= 2, $"{m.UserId} never reconnected.\n{load.Check().Detail}"));
        Assert.All(load.Members, m => Assert.DoesNotContain(HttpStatusCode.Unauthorized, m.RefusedUpgrades));
        foreach (var member in load.Members)
        {
            Assert.Equal(HttpStatusCode.OK, (await member.Session.SendAsync(HttpMethod.Get, "/api/auth/me", csrfHeader: false)).StatusCode);
        }

        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: 2 * PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    [Fact]
    public async Task With_the_S3_server_unreachable_uploads_answer_503_and_store_nothing_while_messages_go_on()
    {
        // s3rver is shared with other test projects: the relay between files and it is cut instead.
        await using var load = await RoomLoad.OpenAsync(system, "三號線外觀檢查");
        await WaitUntilFilesKnowsAsync(load);
        var sending = load.SendAsync(PerSender / 2);
        await Task.Delay(TimeSpan.FromSeconds(2));

        system.S3.Stop();
        try
        {
            var refused = await UploadAsync(load.Editor.Session, load.RoomId);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("unavailable", (await BrowserSession.Json(refused)).GetProperty("code").GetString());
        }
        finally
        {
            system.S3.Start();
        }

        var listed = await load.Editor.Session.SendAsync(HttpMethod.Get, $"/api/rooms/{load.RoomId}/files", csrfHeader: false);
        Assert.Equal(0, (await BrowserSession.Json(listed)).GetProperty("total").GetInt32());
        var accepted = await UploadAsync(load.Editor.Session, load.RoomId);
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        var fileId = (await BrowserSession.Json(accepted)).GetProperty("file_id").GetGuid();
        await sending;
        await load.SettleAsync(TimeSpan.FromSeconds(60), m => m.Snapshot().Messages.Any(x => FileOf(x) == fileId));

        // Only the upload made once the store was back became a message, once for each member.
        Assert.All(load.Members, m => Assert.Equal(1, m.Snapshot().Messages.Count(x => FileOf(x) is not null)));
        Assert.All(load.Members, m => Assert.Equal(1, m.Snapshot().Messages.Count(x => FileOf(x) == fileId)));
        Assert.All(load.Senders, s => Assert.Empty(s.Refused));
        output.WriteLine(load.AssertNothingLost(minimumAcknowledged: PerSender).Detail);
        Tally.Add(Tally.FaultsSurvived, 1);
    }

    private static Guid? FileOf(JsonElement message) =>
        message.TryGetProperty("file_id", out var file) && file.ValueKind == JsonValueKind.String ? file.GetGuid() : null;

    private static bool IsAdminAdded(JsonElement frame) =>
        frame.GetProperty("event").GetString() == "member_added" && frame.GetProperty("user_id").GetString() == "admin.chen@andon.test";

    /// <summary>A 1×1 PNG, uploaded as the browser does (cookie, CSRF header, multipart).</summary>
    private static async Task<HttpResponseMessage> UploadAsync(BrowserSession session, Guid room)
    {
        using var form = new MultipartFormDataContent();
        var png = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        png.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        form.Add(png, "file", "溫度計.png");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/rooms/{room}/files", UriKind.Relative)) { Content = form };
        request.Headers.Add("Cookie", session.CookieHeader);
        request.Headers.Add("X-Requested-With", "andon");
        return await session.Http.SendAsync(request);
    }

    /// <summary>The files service learns of rooms and members by events: waits until it lets the editor in.</summary>
    private async Task WaitUntilFilesKnowsAsync(RoomLoad load)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await load.Editor.Session.SendAsync(HttpMethod.Get, $"/api/rooms/{load.RoomId}/files", csrfHeader: false)).IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The files service never learnt of the room.\n" + system.Logs());
    }
}

namespace Andon.Testing;

/// <summary>
/// Counts that the test command prints in its reliability and security summary: faults injected
/// and survived, hostile inputs tried, authorization cells checked, messages lost and duplicated.
/// A test records a count only after the assertions it stands for have passed (lost and duplicated
/// are recorded as measured, so a non-zero figure shows next to the failed test).
/// </summary>
/// <remarks>
/// Each call writes one small file into the folder named by <c>ANDON_TEST_TALLY_DIR</c> (set by
/// scripts/test.sh), so test projects running in parallel never share a file. Without the
/// variable the counts are dropped: a test run from an IDE needs no setup.
/// </remarks>
public static class Tally
{
    public const string FaultsSurvived = "faults_survived";
    public const string HostileInputs = "hostile_inputs";
    public const string AuthorizationCells = "authorization_cells";
    public const string MessagesChecked = "messages_checked";
    public const string MessagesLost = "messages_lost";
    public const string MessagesDuplicated = "messages_duplicated";

    public static void Add(string counter, long count)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(counter);
        var folder = Environment.GetEnvironmentVariable("ANDON_TEST_TALLY_DIR");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, Guid.NewGuid().ToString("N") + ".tally"), $"{counter} {count}\n");
    }
}

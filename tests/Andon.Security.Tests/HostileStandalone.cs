namespace Andon.Security.Tests;

/// <summary>One standalone process shared by the hostile-input tests (rooms and sockets from <see cref="AccessSetup"/>).</summary>
[CollectionDefinition(Name)]
public sealed class HostileStandalone : ICollectionFixture<Andon.Testing.StandaloneSystem>
{
    public const string Name = "hostile standalone";
}

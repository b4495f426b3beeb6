using Andon.Testing;

namespace Andon.Rooms.Tests;

[CollectionDefinition(Name)]
public sealed class StandaloneRoomsMode : ICollectionFixture<StandaloneSystem>
{
    public const string Name = "standalone rooms";
}

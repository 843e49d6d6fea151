namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>One <see cref="StsTestBed"/> shared by the tests of a class that do not change its state.</summary>
public sealed class StsTestBedFixture : IAsyncLifetime
{
    public StsTestBed Bed { get; private set; } = null!;

    public async Task InitializeAsync() => Bed = await StsTestBed.StartAsync();

    public async Task DisposeAsync() => await Bed.DisposeAsync();
}

using Aspire.Deployer.Model;

namespace Aspire.Deployer.Tests.Model;

public sealed class FargateSizeTests
{
    [Theory]
    [InlineData(256, 512)]
    [InlineData(256, 2048)]
    [InlineData(512, 4096)]
    [InlineData(1024, 8192)]
    [InlineData(2048, 16384)]
    [InlineData(4096, 30720)]
    [InlineData(8192, 61440)]
    [InlineData(16384, 122880)]
    public void ValidPairs_AreAccepted(int cpu, int memory)
    {
        Assert.Null(new FargateSize(cpu, memory).Problem());
    }

    [Theory]
    [InlineData(256, 4096)]
    [InlineData(512, 512)]
    [InlineData(1024, 1024)]
    [InlineData(4096, 31744)]
    [InlineData(8192, 18432)]
    public void MemoryThatDoesNotFitCpu_IsRejectedListingWhatFits(int cpu, int memory)
    {
        var problem = new FargateSize(cpu, memory).Problem();

        Assert.NotNull(problem);
        Assert.Contains($"memory {memory} MiB does not fit cpu {cpu}", problem);
        Assert.Contains(FargateSize.MemoryValuesFor(cpu)[0].ToString(), problem);
    }

    [Fact]
    public void UnknownCpu_IsRejectedListingEveryCpuValue()
    {
        var problem = new FargateSize(300, 512).Problem();

        Assert.NotNull(problem);
        Assert.Contains("256, 512, 1024, 2048, 4096, 8192, 16384", problem);
    }

    [Fact]
    public void MemoryValues_FollowFargatesSteps()
    {
        Assert.Equal([512, 1024, 1536, 2048], FargateSize.MemoryValuesFor(256));
        Assert.Equal(Enumerable.Range(2, 7).Select(g => g * 1024), FargateSize.MemoryValuesFor(1024));
        Assert.Empty(FargateSize.MemoryValuesFor(100));
    }
}

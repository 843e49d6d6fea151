using System.Net;
using System.Net.Sockets;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Free loopback ports for the servers the tests start (redis-server, Prometheus, the service itself).</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A loopback port nothing listens on now; with <paramref name="clusterBus"/>, one whose Redis Cluster bus port (the port
    /// plus 10,000) is free too.
    /// </summary>
    public static int Free(bool clusterBus = false)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, clusterBus ? Random.Shared.Next(20000, 55000) : 0);
            try
            {
                listener.Start();
            }
            catch (SocketException)
            {
                continue;
            }
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (!clusterBus || IsFree(port + 10000)) return port;
        }
    }

    private static bool IsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

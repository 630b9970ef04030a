// `mnist-gan --frontend core|events|structured`: the classic fully connected GAN on MNIST,
// trained by the raw core loop, the Events frontend or the Structured frontend.
import MNISTGAN

runGANProgram()

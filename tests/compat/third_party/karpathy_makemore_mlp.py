# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: karpathy/nn-zero-to-hero, lectures/makemore/makemore_part2_mlp.ipynb ("Neural
#   Networks: Zero to Hero", lecture 3: the MLP language model of Bengio et al. 2003). Licence: MIT.
# Edits: `import torch` -> `import chainrule as torch`, `import torch.nn.functional as F` ->
#   `import chainrule.nn.functional as F`; matplotlib removed; `open('names.txt')` (32033 names)
#   is replaced by 182 common names inlined; the exploration cells before the final training run
#   (the learning-rate sweep plot, embedding plots, the small overfitting run) are left out;
#   200000 steps shortened to 3000 (lr 0.1, then 0.01 after 2000); the loss of the untrained
#   network is kept (`first`) and the learning check at the end is added. The training, the split
#   and the sampling cells are otherwise as written.
import chainrule as torch
import chainrule.nn.functional as F

words = '''
emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila
ella avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley
zoey nora lily eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet
aurora savannah audrey brooklyn bella claire skylar lucy paisley everly anna caroline nova
genesis emilia kennedy samantha maya willow kinsley naomi aaliyah elena sarah ariana allison
gabriella alice madelyn cora ruby eva serenity autumn adeline hailey gianna valentina isla
eliana quinn nevaeh ivy sadie piper lydia alexa josephine emery julia delilah arianna vivian
kaylee sophie brielle madeline noah liam william mason james benjamin jacob michael elijah
ethan alexander oliver daniel lucas matthew aiden jackson logan david joseph samuel henry owen
sebastian gabriel carter jayden john luke anthony isaac dylan wyatt andrew joshua christopher
grayson jack julian ryan jaxon levi nathan caleb hunter christian isaiah thomas aaron lincoln
charles eli landon connor josiah jonathan cameron jeremiah mateo adrian hudson robert nicholas
brayden nolan easton jordan colton evan angel asher dominic austin leo adam jace jose ian
cooper gavin chase jaxson
'''.split()
print(len(words))

# build the vocabulary of characters and mappings to/from integers
chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
print(itos)

# build the dataset
block_size = 3 # context length: how many characters do we take to predict the next one?

def build_dataset(words):
  X, Y = [], []
  for w in words:

    #print(w)
    context = [0] * block_size
    for ch in w + '.':
      ix = stoi[ch]
      X.append(context)
      Y.append(ix)
      #print(''.join(itos[i] for i in context), '--->', itos[ix])
      context = context[1:] + [ix] # crop and append

  X = torch.tensor(X)
  Y = torch.tensor(Y)
  print(X.shape, Y.shape)
  return X, Y

import random
random.seed(42)
random.shuffle(words)
n1 = int(0.8*len(words))
n2 = int(0.9*len(words))

Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

g = torch.Generator().manual_seed(2147483647) # for reproducibility
C = torch.randn((27, 10), generator=g)
W1 = torch.randn((30, 200), generator=g)
b1 = torch.randn(200, generator=g)
W2 = torch.randn((200, 27), generator=g)
b2 = torch.randn(27, generator=g)
parameters = [C, W1, b1, W2, b2]

print(sum(p.nelement() for p in parameters)) # number of parameters in total

for p in parameters:
  p.requires_grad = True

lre = torch.linspace(-3, 0, 1000)
lrs = 10**lre

lri = []
lossi = []
stepi = []

emb = C[Xtr]
h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
first = F.cross_entropy(h @ W2 + b2, Ytr).item()

for i in range(3000):

  # minibatch construct
  ix = torch.randint(0, Xtr.shape[0], (32,))

  # forward pass
  emb = C[Xtr[ix]] # (32, 3, 10)
  h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 200)
  logits = h @ W2 + b2 # (32, 27)
  loss = F.cross_entropy(logits, Ytr[ix])
  #print(loss.item())

  # backward pass
  for p in parameters:
    p.grad = None
  loss.backward()

  # update
  #lr = lrs[i]
  lr = 0.1 if i < 2000 else 0.01
  for p in parameters:
    p.data += -lr * p.grad

  # track stats
  #lri.append(lre[i])
  stepi.append(i)
  lossi.append(loss.log10().item())

#print(loss.item())

emb = C[Xtr] # (32, 3, 2)
h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 100)
logits = h @ W2 + b2 # (32, 27)
loss = F.cross_entropy(logits, Ytr)
print(loss)

emb = C[Xdev] # (32, 3, 2)
h = torch.tanh(emb.view(-1, 30) @ W1 + b1) # (32, 100)
logits = h @ W2 + b2 # (32, 27)
dev_loss = F.cross_entropy(logits, Ydev)
print(dev_loss)

# sample from the model
g = torch.Generator().manual_seed(2147483647 + 10)

for _ in range(20):

    out = []
    context = [0] * block_size # initialize with all ...
    while True:
      emb = C[torch.tensor([context])] # (1,block_size,d)
      h = torch.tanh(emb.view(1, -1) @ W1 + b1)
      logits = h @ W2 + b2
      probs = F.softmax(logits, dim=1)
      ix = torch.multinomial(probs, num_samples=1, generator=g).item()
      context = context[1:] + [ix]
      out.append(ix)
      if ix == 0:
        break

    print(''.join(itos[i] for i in out))

# learning check (added): the training loss falls by a factor of 4 at least
print(f"training loss {first:.3f} -> {loss.item():.3f}")
assert loss.item() < first / 4

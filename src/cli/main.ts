console.log("align")
